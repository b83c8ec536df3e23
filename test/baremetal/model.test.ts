// The provision state machine table, the microversion parser, secrets masking and node patching.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { provisionDiagram } from '../../src/baremetal/model/diagram.ts';
import { parseVersion } from '../../src/baremetal/model/microversion.ts';
import { newNode } from '../../src/baremetal/model/node-create.ts';
import { NodeInputError } from '../../src/baremetal/model/node-input.ts';
import { patchNode } from '../../src/baremetal/model/node-patch.ts';
import { normaliseMac } from '../../src/baremetal/model/port.ts';
import {
  ACTION_STATES,
  applyProvision,
  FAILURE_STATES,
  PROVISION_STATES,
  type ProvisionEvent,
  type ProvisionState,
  TRANSITIONS,
  WAIT_STATES,
} from '../../src/baremetal/model/provision.ts';
import { maskSecrets } from '../../src/baremetal/model/secrets.ts';
import { API_TARGETS } from '../../src/baremetal/model/verbs.ts';

type Row = [
  ProvisionState,
  ProvisionState | null,
  ProvisionEvent,
  ProvisionState | null,
  ProvisionState | null,
];
// [from, its target, event, expected to (null = refused), expected target]
const CASES: Row[] = [
  ['enroll', null, 'manage', 'verifying', 'manageable'],
  ['verifying', 'manageable', 'done', 'manageable', null],
  ['verifying', 'manageable', 'fail', 'enroll', null],
  ['enroll', null, 'provide', null, null],
  ['manageable', null, 'provide', 'cleaning', 'available'],
  ['cleaning', 'available', 'wait', 'clean wait', 'available'],
  ['cleaning', 'manageable', 'wait', 'clean wait', 'manageable'],
  ['clean wait', 'available', 'abort', 'clean failed', null],
  ['clean hold', 'available', 'unhold', 'clean wait', 'available'],
  ['cleaning', 'available', 'done', 'available', null],
  ['cleaning', 'manageable', 'done-manual', 'manageable', null],
  ['manageable', null, 'clean', 'cleaning', 'manageable'],
  ['manageable', null, 'inspect', 'inspecting', 'manageable'],
  ['inspect wait', 'manageable', 'abort', 'inspect failed', null],
  ['inspect failed', null, 'manage', 'manageable', null],
  ['available', null, 'deploy', 'deploying', 'active'],
  ['available', null, 'abort', null, null],
  ['deploying', 'active', 'wait', 'wait call-back', 'active'],
  ['wait call-back', 'active', 'abort', 'deploy failed', null],
  ['deploy hold', 'active', 'unhold', 'wait call-back', 'active'],
  ['active', null, 'deploy', null, null],
  ['active', null, 'rebuild', 'deploying', 'active'],
  ['active', null, 'delete', 'deleting', 'available'],
  ['deleting', 'available', 'done', 'cleaning', 'available'],
  ['deleting', 'available', 'fail', 'error', null],
  ['error', null, 'delete', 'deleting', 'available'],
  ['manageable', null, 'adopt', 'adopting', 'active'],
  ['adopting', 'active', 'fail', 'adopt failed', null],
  ['active', null, 'rescue', 'rescuing', 'rescue'],
  ['rescue', null, 'unrescue', 'unrescuing', 'active'],
  ['rescue wait', 'rescue', 'abort', 'rescue failed', null],
  ['active', null, 'service', 'servicing', 'active'],
  ['service failed', null, 'abort', 'active', null],
  ['service hold', 'active', 'unhold', 'service wait', 'active'],
];

test('the provision table: each row of the case table', () => {
  for (const [from, target, event, to, expectTarget] of CASES) {
    const r = applyProvision(from, target, event);
    if (to === null) assert.equal(r.ok, false, `${from} --${event}--> must be refused`);
    else assert.deepEqual(r, { ok: true, to, target: expectTarget }, `${from} --${event}-->`);
  }
});

test('the provision table: every state of Ironic is in it, transitions are unique, and no state is a dead end', () => {
  const seen = new Set<string>();
  for (const t of TRANSITIONS) {
    const key = `${t.from}/${t.event}`;
    assert.ok(!seen.has(key), `duplicate transition ${key}`);
    seen.add(key);
  }
  assert.equal(PROVISION_STATES.length, 30);
  for (const s of PROVISION_STATES) {
    assert.ok(
      TRANSITIONS.some((t) => t.from === s),
      `${s} has a way out`,
    );
    assert.ok(s === 'enroll' || TRANSITIONS.some((t) => t.to === s), `${s} is reachable`);
  }
  // Every state a conductor works or waits in falls to a failure state, and keeps a target while moving.
  for (const s of [...ACTION_STATES, ...WAIT_STATES]) {
    const fail = TRANSITIONS.find((t) => t.from === s && t.event === 'fail');
    assert.ok(fail, `${s} can fail`);
    assert.ok(FAILURE_STATES.has(fail.to) || fail.to === 'enroll', `${s} fails to ${fail.to}`);
    for (const t of TRANSITIONS.filter((x) => x.to === s))
      assert.notEqual(t.target, null, `${t.from} → ${s} keeps a target`);
  }
});

test('every API target maps to a verb present in the table', () => {
  for (const [target, spec] of Object.entries(API_TARGETS))
    assert.ok(
      TRANSITIONS.some((t) => t.event === spec.verb),
      `${target} → ${spec.verb}`,
    );
});

test('docs/baremetal.md carries the diagram generated from the table', () => {
  const doc = readFileSync(new URL('../../docs/baremetal.md', import.meta.url), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.equal(block, provisionDiagram(), 'regenerate with: node scripts/baremetal-diagram.ts');
});

test('microversions: absent means 1.1, latest the max, out of range 406, garbage 400', () => {
  assert.deepEqual(parseVersion(undefined, undefined), { ok: true, minor: 1 });
  assert.deepEqual(parseVersion('1.78', undefined), { ok: true, minor: 78 });
  assert.deepEqual(parseVersion('latest', undefined), { ok: true, minor: 78 });
  assert.deepEqual(parseVersion(undefined, 'baremetal 1.31'), { ok: true, minor: 31 });
  assert.equal((parseVersion('1.79', undefined) as { status: number }).status, 406);
  assert.equal((parseVersion('2.0', undefined) as { status: number }).status, 406);
  assert.equal((parseVersion('1.x', undefined) as { status: number }).status, 400);
});

test('secrets are masked at any depth, other values kept', () => {
  assert.deepEqual(
    maskSecrets({ ipmi_password: 'x', redfish_password: 'y', ipmi_address: 'a', n: { auth_token: 't' } }),
    {
      ipmi_password: '******',
      redfish_password: '******',
      ipmi_address: 'a',
      n: { auth_token: '******' },
    },
  );
});

test('MACs are normalised to lower case with colons; bad ones refused', () => {
  assert.equal(normaliseMac('52:54:00:AA:BB:CC'), '52:54:00:aa:bb:cc');
  assert.equal(normaliseMac('52-54-00-aa-bb-cc'), '52:54:00:aa:bb:cc');
  for (const bad of ['52:54:00:aa:bb', 'zz:54:00:aa:bb:cc', 42, '52:54-00:aa:bb:cc'])
    assert.throws(() => normaliseMac(bad), NodeInputError);
});

test('patch: nested paths, read-only fields refused, the original untouched', () => {
  const init = {
    uuid: '8b2f3d2e-1111-4222-8333-444455556666',
    now: 'now',
    state: 'enroll' as const,
    defaultResourceClass: null,
  };
  const node = newNode({ driver: 'fake-hardware', driver_info: { a: 1 } }, 78, init);
  const patched = patchNode(
    node,
    [
      { op: 'add', path: '/driver_info/deploy', value: {} },
      { op: 'add', path: '/driver_info/deploy/kernel', value: 'k' },
      { op: 'remove', path: '/driver_info/a' },
      { op: 'add', path: '/properties/capabilities', value: 'boot_mode:uefi' },
      { op: 'replace', path: '/name', value: 'n1' },
    ],
    78,
  );
  assert.deepEqual(patched.driver_info, { deploy: { kernel: 'k' } });
  assert.equal(patched.properties.capabilities, 'boot_mode:uefi');
  assert.equal(patched.name, 'n1');
  assert.deepEqual(node.driver_info, { a: 1 });
  // An add creates the member, never its missing parents (as jsonpatch answers Ironic).
  assert.throws(
    () => patchNode(node, [{ op: 'add', path: '/driver_info/deploy/kernel', value: 'k' }], 78),
    /Couldn't apply patch .*member 'deploy' not found/,
  );
  for (const path of ['/provision_state', '/power_state', '/uuid', '/reservation'])
    assert.throws(() => patchNode(node, [{ op: 'replace', path, value: 'x' }], 78), /internal attribute/);
  assert.throws(() => newNode({ driver: 'idrac' }, 78, init), /idrac/);
  assert.throws(
    () => newNode({ driver: 'fake-hardware', name: 'n' }, 4, init),
    (e: NodeInputError) => e.status === 406,
  );
});
