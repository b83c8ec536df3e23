import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monotonicClock } from '../../src/identity/model/time.ts';

test('the identity clock never goes back, whatever the system clock does', () => {
  const cases: { source: number[]; seen: number[] }[] = [
    { source: [1, 2, 3], seen: [1, 2, 3] },
    { source: [10, 7, 8, 11], seen: [10, 10, 10, 11] },
    { source: [5, 5, 4], seen: [5, 5, 5] },
  ];
  for (const { source, seen } of cases) {
    const readings = [...source];
    const now = monotonicClock(() => readings.shift() as number);
    assert.deepEqual(
      source.map(() => now()),
      seen,
      `for ${source}`,
    );
  }
});
