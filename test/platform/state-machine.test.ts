import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StateMachine, type Transition } from '../../src/platform/work/state-machine.ts';

type S = 'enroll' | 'manageable' | 'available' | 'deploying' | 'wait call-back' | 'active' | 'deploy failed';
type E = 'manage' | 'provide' | 'deploy' | 'wait' | 'done' | 'fail' | 'undeploy';

const table: Transition<S, E>[] = [
  { from: 'enroll', event: 'manage', to: 'manageable' },
  { from: 'manageable', event: 'provide', to: 'available' },
  { from: 'available', event: 'deploy', to: 'deploying', target: 'active' },
  { from: 'deploying', event: 'wait', to: 'wait call-back', target: 'active' },
  { from: 'wait call-back', event: 'done', to: 'active' },
  { from: 'deploying', event: 'done', to: 'active' },
  { from: 'deploying', event: 'fail', to: 'deploy failed', target: null },
  { from: 'deploy failed', event: 'deploy', to: 'deploying', target: 'active' },
  { from: 'active', event: 'undeploy', to: 'available' },
];
const machine = new StateMachine(table, { initial: 'enroll' });

describe('state machine: apply', () => {
  const cases: [S, E, ReturnType<typeof machine.apply>][] = [
    ['enroll', 'manage', { ok: true, to: 'manageable', target: null }],
    ['available', 'deploy', { ok: true, to: 'deploying', target: 'active' }],
    ['deploy failed', 'deploy', { ok: true, to: 'deploying', target: 'active' }],
    ['deploying', 'fail', { ok: true, to: 'deploy failed', target: null }],
    ['deploying', 'done', { ok: true, to: 'active' /* no target row: null */, target: null }],
    ['enroll', 'deploy', { ok: false, reason: 'deploy is not allowed in state enroll (allowed: manage)' }],
    [
      'deploying',
      'undeploy',
      { ok: false, reason: 'undeploy is not allowed in state deploying (allowed: wait, done, fail)' },
    ],
    ['nowhere' as S, 'manage', { ok: false, reason: 'unknown state nowhere' }],
  ];
  for (const [state, event, want] of cases)
    test(`${state} + ${event}`, () => assert.deepEqual(machine.apply(state, event), want));
});

describe('state machine: queries', () => {
  test('eventsFrom lists each event once, in table order', () => {
    assert.deepEqual(machine.eventsFrom('deploying'), ['wait', 'done', 'fail']);
    assert.deepEqual(machine.eventsFrom('active'), ['undeploy']);
  });
  test('a state with no way out says so', () => {
    const m = new StateMachine<'a' | 'b', 'go'>([{ from: 'a', event: 'go', to: 'b' }]);
    assert.deepEqual(m.eventsFrom('b'), []);
    assert.deepEqual(m.apply('b', 'go'), { ok: false, reason: 'no event is allowed in state b' });
  });
  test('states in order of first appearance, targets included', () =>
    assert.deepEqual(machine.states(), [
      'enroll',
      'manageable',
      'available',
      'deploying',
      'active',
      'wait call-back',
      'deploy failed',
    ]));
  test('sourcesOf and canMove', () => {
    assert.deepEqual(machine.sourcesOf('deploy'), ['available', 'deploy failed']);
    assert.deepEqual(machine.sourcesOf('done'), ['wait call-back', 'deploying']);
    assert.equal(machine.canMove('available', 'deploying'), true);
    assert.equal(machine.canMove('available', 'active'), false);
  });
  test('a duplicate (from, event) row is refused when the table loads', () =>
    assert.throws(
      () =>
        new StateMachine([
          { from: 'a', event: 'x', to: 'b' },
          { from: 'a', event: 'x', to: 'c' },
        ]),
      /duplicate transition from a on x/,
    ));
  test('the table is copied: mutating the input does not change the machine', () => {
    const rows: Transition<'a' | 'b' | 'c', 'x'>[] = [{ from: 'a', event: 'x', to: 'b' }];
    const m = new StateMachine(rows);
    (rows[0] as { to: string }).to = 'c';
    assert.deepEqual(m.apply('a', 'x'), { ok: true, to: 'b', target: null });
  });
});

describe('state machine: diagram', () => {
  test('Mermaid stateDiagram-v2 with safe ids, the entry point, targets and ends', () => {
    const m = new StateMachine<'new' | 'in use' | 'gone', 'use' | 'drop'>(
      [
        { from: 'new', event: 'use', to: 'in use', target: 'gone' },
        { from: 'in use', event: 'drop', to: 'gone' },
      ],
      { initial: 'new', terminal: ['gone'] },
    );
    assert.equal(
      m.diagram(),
      [
        'stateDiagram-v2',
        '    state "in use" as in_use',
        '    [*] --> new',
        '    new --> in_use: use (target gone)',
        '    in_use --> gone: drop',
        '    gone --> [*]',
        '',
      ].join('\n'),
    );
  });
  test('ids that would collide after sanitising stay distinct', () => {
    const m = new StateMachine<'a b' | 'a-b', 'x'>([{ from: 'a b', event: 'x', to: 'a-b' }]);
    assert.match(m.diagram(), /a_b --> a_b_: x/);
  });
  test('the same table always renders the same text', () =>
    assert.equal(new StateMachine(table, { initial: 'enroll' }).diagram(), machine.diagram()));
});
