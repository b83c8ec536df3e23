import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walkGraph } from '../../src/orchestration/worker/graph-walk.ts';

// Each case: what waits for what, which visits fail; the visits seen, in order, and what was never visited.
const cases: {
  name: string;
  waits: Record<string, string[]>;
  fails?: string[];
  before: [string, string][];
  skipped: string[];
}[] = [
  {
    name: 'a chain runs in order',
    waits: { a: [], b: ['a'], c: ['b'] },
    before: [
      ['a', 'b'],
      ['b', 'c'],
    ],
    skipped: [],
  },
  {
    name: 'a diamond joins after both sides',
    waits: { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] },
    before: [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ],
    skipped: [],
  },
  {
    name: 'a failed visit stops what waits for it, not its siblings',
    waits: { a: [], b: ['a'], c: [], d: ['b'] },
    fails: ['a'],
    before: [],
    skipped: ['b', 'd'],
  },
];

for (const c of cases) {
  test(`walkGraph: ${c.name}`, async () => {
    const seen: string[] = [];
    let calls = 0;
    await walkGraph(
      Object.keys(c.waits),
      (n) => c.waits[n] ?? [],
      async (n) => {
        calls++;
        await new Promise((r) => setImmediate(r));
        seen.push(n);
        return !c.fails?.includes(n);
      },
    );
    for (const [x, y] of c.before)
      assert.ok(seen.indexOf(x) < seen.indexOf(y), `${x} before ${y} in ${seen}`);
    assert.deepEqual(
      Object.keys(c.waits).filter((n) => !seen.includes(n)),
      c.skipped,
    );
    assert.equal(calls, seen.length, 'each name visited at most once');
    assert.equal(new Set(seen).size, seen.length);
  });
}
