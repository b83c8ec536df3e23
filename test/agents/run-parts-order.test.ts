// The one run-parts order (dib-run-parts in images and the image builder's phases): a table of
// `LANG=C sort -n` cases, each also checked against the real GNU sort so the table cannot drift.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  compareRunParts,
  selectEnvironmentFiles,
  selectRunParts,
  sortRunParts,
} from '../../src/agents/config/run-parts-order.ts';

const CASES: [string, string[], string[]][] = [
  [
    'numbers first by value, names without one count as 0',
    ['100-y', '10-foo', '9-bar', '05_b', '1a', '01-x', 'zz', 'abc', '00-a'],
    ['00-a', 'abc', 'zz', '01-x', '1a', '05_b', '9-bar', '10-foo', '100-y'],
  ],
  ['equal numbers: bytes decide (upper case first)', ['20-b', '20-a', '20-B'], ['20-B', '20-a', '20-b']],
  ['leading zeros do not count', ['010', '10', '0010', '9'], ['9', '0010', '010', '10']],
  [
    'negative numbers sort below zero',
    ['-5-neg', '-10-neg', '0', '-', '-a'],
    ['-10-neg', '-5-neg', '-', '-a', '0'],
  ],
  ['-0 is 0', ['-0', '0', '-00x'], ['-0', '-00x', '0']],
  ['a plus sign is not a number', ['+5', '3', '0'], ['+5', '0', '3']],
  ['decimal fractions', ['1.10-a', '1.5-b', '1.05-c', '1-d'], ['1-d', '1.05-c', '1.10-a', '1.5-b']],
  ['a leading dot starts a fraction', ['.5', '0.25', '1'], ['0.25', '.5', '1']],
  ['beyond 64 bits', ['99999999999999999999-big', '1-small'], ['1-small', '99999999999999999999-big']],
  ['bytes, not code points', ['é', 'z', 'Z'], ['Z', 'z', 'é']],
  [
    'full paths: a shared prefix leaves the names bytewise',
    ['d/9-z', 'd/10-a', 'd/a.env'],
    ['d/10-a', 'd/9-z', 'd/a.env'],
  ],
];

test('run-parts order: LANG=C sort -n (table)', () => {
  for (const [why, input, want] of CASES) assert.deepEqual(sortRunParts(input), want, why);
});

test('the table agrees with GNU sort -n', (t) => {
  const probe = spawnSync('sort', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0 || !probe.stdout.includes('GNU')) return t.skip('no GNU sort');
  for (const [why, input, want] of CASES) {
    const r = spawnSync('sort', ['-n'], { input: `${input.join('\n')}\n`, env: { LANG: 'C', LC_ALL: 'C' } });
    assert.deepEqual(r.stdout.toString('utf8').split('\n').slice(0, -1), want, why);
  }
});

test('the comparator is a total order on the table (antisymmetric)', () => {
  const names = CASES.flatMap(([, input]) => input);
  for (const a of names)
    for (const b of names)
      assert.equal(Math.sign(compareRunParts(a, b)), -Math.sign(compareRunParts(b, a)) || 0, `${a} ${b}`);
});

test('selection: RUN_PARTS_REGEX, and environment files with dots', () => {
  assert.deepEqual(selectRunParts(['10-foo.sh', '20-bar', 'x y', 'a-b_c', '.hidden', 'ok']), [
    'a-b_c',
    'ok',
    '20-bar',
  ]);
  assert.deepEqual(selectRunParts(['a.sh', 'b'], '^.*$'), ['a.sh', 'b']);
  assert.deepEqual(selectRunParts(['10-a.sh', '20-b'], '\\.sh$'), ['10-a.sh']);
  assert.deepEqual(selectEnvironmentFiles('d', ['10-x', 'a.env', 'b c', '2-y', '11-x.sh']), [
    'd/10-x',
    'd/11-x.sh',
    'd/2-y',
    'd/a.env',
  ]);
});
