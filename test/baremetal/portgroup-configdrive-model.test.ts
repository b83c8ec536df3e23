// The pure parts of port groups (create, patch, version gates) and of the JSON config drive (parsing and
// the file tree), table by table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDriveTree, parseConfigDrive } from '../../src/baremetal/model/config-drive.ts';
import { PatchError } from '../../src/baremetal/model/json-patch.ts';
import type { Dict } from '../../src/baremetal/model/node.ts';
import { NodeInputError } from '../../src/baremetal/model/node-input.ts';
import { newPortgroup, type Portgroup, patchPortgroup } from '../../src/baremetal/model/portgroup.ts';

const NODE = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123';
const init = {
  uuid: '2be26c0b-03f2-4d2e-ae87-c02d7f33c123',
  nodeUuid: NODE,
  now: '2026-01-01T00:00:00.000Z',
};

test('port group create: defaults, normalised MAC, refusals with their status', () => {
  const pg = newPortgroup({ node_uuid: NODE, address: '52-54-00-AA-BB-CC', name: 'bond0' }, 26, init);
  assert.deepEqual(
    [pg.address, pg.name, pg.mode, pg.standalone_ports_supported, pg.properties],
    ['52:54:00:aa:bb:cc', 'bond0', 'active-backup', true, {}],
  );
  assert.equal(newPortgroup({ node_uuid: NODE }, 23, init).address, null);
  const refusals: [string, Dict, number, RegExp, number][] = [
    ['bad MAC', { address: 'nope' }, 26, /Expected a MAC address/, 400],
    ['bad name', { name: 'no spaces' }, 26, /logical name/, 400],
    ['uuid as name', { name: NODE }, 26, /logical name/, 400],
    ['unknown field', { colour: 'red' }, 26, /Unknown attribute for port group: colour/, 400],
    ['mode before 1.26', { mode: '802.3ad' }, 25, /needs a newer API version/, 406],
    ['properties before 1.26', { properties: {} }, 23, /needs a newer API version/, 406],
    ['empty mode', { mode: '' }, 26, /mode must be a non-empty string/, 400],
    ['standalone not a boolean', { standalone_ports_supported: 'maybe' }, 26, /must be a boolean/, 400],
    ['bad uuid', { uuid: 'x' }, 26, /Expected a UUID/, 400],
  ];
  for (const [name, body, minor, message, status] of refusals) {
    assert.throws(
      () => newPortgroup({ node_uuid: NODE, ...body }, minor, init),
      (e: unknown) => e instanceof NodeInputError && message.test(e.message) && e.status === status,
      name,
    );
  }
});

test('port group patch: fields, nested keys, read-only and version-gated paths', () => {
  const base: Portgroup = newPortgroup({ node_uuid: NODE, extra: { a: 1 }, properties: { m: 1 } }, 26, init);
  const rows: [
    string,
    { op: string; path: string; value?: unknown }[],
    (g: Portgroup) => unknown,
    unknown,
  ][] = [
    [
      'address',
      [{ op: 'replace', path: '/address', value: '52:54:00:00:00:0A' }],
      (g) => g.address,
      '52:54:00:00:00:0a',
    ],
    ['address removed', [{ op: 'remove', path: '/address' }], (g) => g.address, null],
    ['extra key', [{ op: 'add', path: '/extra/b', value: 2 }], (g) => g.extra, { a: 1, b: 2 }],
    ['extra key removed', [{ op: 'remove', path: '/extra/a' }], (g) => g.extra, {}],
    ['extra removed', [{ op: 'remove', path: '/extra' }], (g) => g.extra, {}],
    ['mode back to default', [{ op: 'remove', path: '/mode' }], (g) => g.mode, 'active-backup'],
    [
      'properties key',
      [{ op: 'add', path: '/properties/x', value: 'y' }],
      (g) => g.properties,
      { m: 1, x: 'y' },
    ],
    [
      'standalone',
      [{ op: 'replace', path: '/standalone_ports_supported', value: false }],
      (g) => g.standalone_ports_supported,
      false,
    ],
  ];
  for (const [name, ops, read, want] of rows)
    assert.deepEqual(read(patchPortgroup(base, ops, 26)), want, name);
  assert.deepEqual(base.extra, { a: 1 }, 'the original is untouched');
  const refusals: [string, { op: string; path: string; value?: unknown }[], number, RegExp, number][] = [
    ['uuid', [{ op: 'replace', path: '/uuid', value: NODE }], 26, /internal attribute/, 400],
    ['internal_info', [{ op: 'add', path: '/internal_info/x', value: 1 }], 26, /internal attribute/, 400],
    ['unknown', [{ op: 'add', path: '/colour', value: 1 }], 26, /to the root of the resource/, 400],
    ['nested non-dict', [{ op: 'add', path: '/name/x', value: 1 }], 26, /unable to fully resolve/, 400],
    ['remove missing key', [{ op: 'remove', path: '/extra/zz' }], 26, /non-existent/, 400],
    [
      'properties before 1.26',
      [{ op: 'add', path: '/properties/x', value: 1 }],
      25,
      /newer API version/,
      406,
    ],
    ['bad node', [{ op: 'replace', path: '/node_uuid', value: 'n1' }], 26, /must be a UUID/, 400],
  ];
  for (const [name, ops, minor, message, status] of refusals)
    assert.throws(
      () => patchPortgroup(base, ops, minor),
      (e: unknown) =>
        // the applier's refusals are PatchErrors (always 400), the port group's own rules NodeInputErrors
        (e instanceof PatchError || e instanceof NodeInputError) &&
        message.test(e.message) &&
        (e instanceof PatchError ? 400 : e.status) === status,
      name,
    );
});

test('configdrive: strings pass, objects from 1.56 (vendor_data 1.59), refusals', () => {
  assert.equal(parseConfigDrive('H4sI...', 1), 'H4sI...');
  assert.equal(parseConfigDrive(undefined, 78), undefined);
  assert.deepEqual(parseConfigDrive({ meta_data: { a: 1 }, user_data: 'x' }, 56), {
    meta_data: { a: 1 },
    user_data: 'x',
  });
  const refusals: [string, unknown, number, RegExp, number][] = [
    ['object before 1.56', { meta_data: {} }, 55, /needs API version 1.56/, 406],
    ['vendor_data before 1.59', { vendor_data: {} }, 58, /vendor_data needs API version 1.59/, 406],
    ['unknown key', { metadata: {} }, 78, /Invalid configdrive key "metadata"/, 400],
    ['meta_data not an object', { meta_data: 'x' }, 78, /meta_data must be an object/, 400],
    ['network_data a list', { network_data: [] }, 78, /network_data must be an object/, 400],
    ['user_data a number', { user_data: 5 }, 78, /user_data must be a string/, 400],
    ['a list', [], 78, /gzip\+base64 string/, 400],
    ['a number', 3, 78, /gzip\+base64 string/, 400],
  ];
  for (const [name, v, minor, message, status] of refusals)
    assert.throws(
      () => parseConfigDrive(v, minor),
      (e: unknown) => e instanceof NodeInputError && message.test(e.message) && e.status === status,
      name,
    );
});

test('configdrive tree: both versions, node identity filled in, user_data as text or JSON', () => {
  const node = { uuid: NODE, name: 'n1' };
  const t = configDriveTree(
    { meta_data: { hostname: 'h' }, user_data: { a: [1] }, network_data: { links: [] } },
    node,
  );
  assert.deepEqual([...t.keys()].sort(), [
    'openstack/2012-08-10/meta_data.json',
    'openstack/2012-08-10/network_data.json',
    'openstack/2012-08-10/user_data',
    'openstack/latest/meta_data.json',
    'openstack/latest/network_data.json',
    'openstack/latest/user_data',
  ]);
  assert.deepEqual(JSON.parse(String(t.get('openstack/latest/meta_data.json'))), {
    hostname: 'h',
    uuid: NODE,
    name: 'n1',
  });
  assert.equal(String(t.get('openstack/latest/user_data')), '{"a":[1]}');
  // What the caller says wins; a node without a name adds none.
  const own = configDriveTree({ meta_data: { uuid: 'mine', name: 'x' } }, node);
  assert.deepEqual(JSON.parse(String(own.get('openstack/latest/meta_data.json'))), {
    uuid: 'mine',
    name: 'x',
  });
  const bare = configDriveTree({}, { uuid: NODE, name: null });
  assert.deepEqual([...bare.keys()].sort(), [
    'openstack/2012-08-10/meta_data.json',
    'openstack/latest/meta_data.json',
  ]);
  assert.deepEqual(JSON.parse(String(bare.get('openstack/latest/meta_data.json'))), { uuid: NODE });
  assert.equal(
    String(
      configDriveTree({ user_data: '#!/bin/sh\n', vendor_data: { v: 1 } }, node).get(
        'openstack/latest/user_data',
      ),
    ),
    '#!/bin/sh\n',
  );
});
