// A port's JSON patch goes through the shared applier: nested keys are real paths, missing keys refused.
import assert from 'node:assert/strict';
import test from 'node:test';
import { PatchError, type PatchOp } from '../../src/baremetal/model/json-patch.ts';
import { NodeInputError } from '../../src/baremetal/model/node-input.ts';
import { newPort, type Port, patchPort } from '../../src/baremetal/model/port.ts';

const NODE = '8b2f3d2e-1111-4222-8333-444455556666';
const base = (): Port =>
  newPort(
    { address: '52:54:00:AA:BB:CC', extra: { rack: { row: 1 } }, local_link_connection: { port_id: 'p1' } },
    53,
    { uuid: '1b2f3d2e-1111-4222-8333-444455556666', nodeUuid: NODE, now: 'now' },
  );

test('port patch: fields and nested keys', () => {
  const rows: [PatchOp[], (p: Port) => unknown, unknown][] = [
    [[{ op: 'add', path: '/extra/rack/slot', value: 4 }], (p) => p.extra, { rack: { row: 1, slot: 4 } }],
    [[{ op: 'remove', path: '/extra/rack/row' }], (p) => p.extra, { rack: {} }],
    [
      [{ op: 'add', path: '/local_link_connection/switch_id', value: 's' }],
      (p) => p.local_link_connection,
      { port_id: 'p1', switch_id: 's' },
    ],
    [
      [{ op: 'replace', path: '/address', value: '52-54-00-00-00-01' }],
      (p) => p.address,
      '52:54:00:00:00:01',
    ],
    [[{ op: 'remove', path: '/physical_network' }], (p) => p.physical_network, null],
    [[{ op: 'add', path: '/pxe_enabled', value: false }], (p) => p.pxe_enabled, false],
  ];
  for (const [ops, pick, want] of rows) {
    const before = base();
    assert.deepEqual(pick(patchPort(before, ops, 53)), want, JSON.stringify(ops));
    assert.deepEqual(before, base(), 'the original untouched');
  }
});

test('port patch: refusals with their status', () => {
  const rows: [PatchOp[], number, RegExp, number][] = [
    [[{ op: 'remove', path: '/extra/zz' }], 53, /can't remove a non-existent object 'zz'/, 400],
    [[{ op: 'replace', path: '/extra/zz', value: 1 }], 53, /can't replace a non-existent object 'zz'/, 400],
    [[{ op: 'add', path: '/extra/a/b', value: 1 }], 53, /member 'a' not found/, 400],
    [
      [{ op: 'add', path: '/local_link_connection/colour', value: 1 }],
      53,
      /Invalid local_link_connection key "colour"/,
      400,
    ],
    [[{ op: 'add', path: '/colour', value: 1 }], 53, /to the root of the resource/, 400],
    [[{ op: 'remove', path: '/address' }], 53, /'\/address' is a mandatory attribute/, 400],
    [[{ op: 'remove', path: '/node_uuid' }], 53, /'\/node_uuid' is a mandatory attribute/, 400],
    [[{ op: 'replace', path: '/uuid', value: NODE }], 53, /internal attribute/, 400],
    [[{ op: 'add', path: '/internal_info/x', value: 1 }], 53, /internal attribute/, 400],
    [[{ op: 'add', path: '/is_smartnic', value: true }], 52, /needs a newer API version/, 406],
  ];
  for (const [ops, minor, want, status] of rows)
    assert.throws(
      () => patchPort(base(), ops, minor),
      (e: Error) =>
        // the applier's refusals are PatchErrors (always 400), the port's own rules NodeInputErrors
        (e instanceof PatchError ? 400 : e instanceof NodeInputError ? e.status : 0) === status &&
        want.test(e.message),
      JSON.stringify(ops),
    );
});
