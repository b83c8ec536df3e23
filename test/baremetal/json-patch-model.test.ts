// The one JSON patch of the bare metal API: Ironic's body schema and the jsonpatch library's rules.
import assert from 'node:assert/strict';
import test from 'node:test';
import { fromInput } from '../../src/baremetal/model/errors.ts';
import {
  applyPatch,
  changedFields,
  type PatchDoc,
  PatchError,
  type PatchOp,
  parsePatch,
} from '../../src/baremetal/model/json-patch.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';

const doc = (): PatchDoc => ({
  name: 'n0',
  description: null,
  extra: { a: { b: 1 }, list: [1, 2], 'x/y': 'slash', 'm~n': 'tilde' },
  properties: { cpus: 2 },
  driver_info: {},
});

test('applyPatch: add, replace and remove on fields and nested dictionaries', () => {
  const rows: [string, PatchOp[], (d: PatchDoc) => unknown, unknown][] = [
    ['replace top-level', [{ op: 'replace', path: '/name', value: 'n1' }], (d) => d.name, 'n1'],
    [
      'add on an existing field replaces it',
      [{ op: 'add', path: '/name', value: 'n2' }],
      (d) => d.name,
      'n2',
    ],
    [
      'replace a null field',
      [{ op: 'replace', path: '/description', value: 'd' }],
      (d) => d.description,
      'd',
    ],
    ['remove top-level', [{ op: 'remove', path: '/description' }], (d) => 'description' in d, false],
    [
      'add nested',
      [{ op: 'add', path: '/extra/a/c', value: 2 }],
      (d) => d.extra,
      {
        a: { b: 1, c: 2 },
        list: [1, 2],
        'x/y': 'slash',
        'm~n': 'tilde',
      },
    ],
    [
      'replace nested',
      [{ op: 'replace', path: '/extra/a/b', value: 5 }],
      (d) => (d.extra as PatchDoc).a,
      { b: 5 },
    ],
    ['remove nested', [{ op: 'remove', path: '/extra/a/b' }], (d) => (d.extra as PatchDoc).a, {}],
    [
      'add a capability',
      [{ op: 'add', path: '/properties/capabilities', value: 'boot_mode:uefi' }],
      (d) => d.properties,
      { cpus: 2, capabilities: 'boot_mode:uefi' },
    ],
    [
      'add into an empty dict',
      [{ op: 'add', path: '/driver_info/x', value: { y: 1 } }],
      (d) => d.driver_info,
      { x: { y: 1 } },
    ],
    [
      '~1 decodes to /',
      [{ op: 'replace', path: '/extra/x~1y', value: 's' }],
      (d) => (d.extra as PatchDoc)['x/y'],
      's',
    ],
    [
      '~0 decodes to ~',
      [{ op: 'remove', path: '/extra/m~0n' }],
      (d) => 'm~n' in (d.extra as PatchDoc),
      false,
    ],
    [
      'list append',
      [{ op: 'add', path: '/extra/list/-', value: 3 }],
      (d) => (d.extra as PatchDoc).list,
      [1, 2, 3],
    ],
    [
      'list insert',
      [{ op: 'add', path: '/extra/list/0', value: 0 }],
      (d) => (d.extra as PatchDoc).list,
      [0, 1, 2],
    ],
    ['list remove', [{ op: 'remove', path: '/extra/list/1' }], (d) => (d.extra as PatchDoc).list, [1]],
    [
      'later ops see earlier ones',
      [
        { op: 'add', path: '/driver_info/deploy', value: {} },
        { op: 'add', path: '/driver_info/deploy/kernel', value: 'k' },
      ],
      (d) => d.driver_info,
      { deploy: { kernel: 'k' } },
    ],
  ];
  for (const [name, ops, pick, want] of rows) {
    const before = doc();
    const after = applyPatch(before, ops);
    assert.deepEqual(pick(after), want, name);
    assert.deepEqual(before, doc(), `${name}: the input stays untouched`);
  }
});

test('applyPatch: what Ironic refuses, with its messages', () => {
  const rows: [string, PatchOp[], RegExp][] = [
    [
      'replace a missing key',
      [{ op: 'replace', path: '/extra/zz', value: 1 }],
      /^Couldn't apply patch '\{'op': 'replace', 'path': '\/extra\/zz', 'value': 1\}'\. Reason: can't replace a non-existent object 'zz'$/,
    ],
    [
      'remove a missing key',
      [{ op: 'remove', path: '/extra/zz' }],
      /Reason: can't remove a non-existent object 'zz'/,
    ],
    [
      'remove a missing field',
      [{ op: 'remove', path: '/colour' }],
      /can't remove a non-existent object 'colour'/,
    ],
    [
      'add a new root attribute',
      [{ op: 'add', path: '/colour', value: 1 }],
      /^Adding a new attribute \(\/colour\) to the root of the resource is not allowed$/,
    ],
    [
      'add under a missing parent',
      [{ op: 'add', path: '/extra/q/r', value: 1 }],
      /Reason: member 'q' not found in/,
    ],
    [
      'path through a scalar',
      [{ op: 'add', path: '/name/x', value: 1 }],
      /unable to fully resolve json pointer \/name\/x, part x/,
    ],
    [
      'path through null',
      [{ op: 'add', path: '/description/x', value: 1 }],
      /unable to fully resolve json pointer/,
    ],
    ['list index out of range', [{ op: 'replace', path: '/extra/list/2', value: 1 }], /out of bounds/],
    ['bad list index', [{ op: 'remove', path: '/extra/list/x' }], /not a valid sequence index/],
  ];
  for (const [name, ops, want] of rows) {
    assert.throws(
      () => applyPatch(doc(), ops),
      (e: Error) => e instanceof PatchError && want.test(e.message),
      name,
    );
  }
  // The API's mapping: Ironic's 400 with the applier's message as it is.
  const mapped = fromInput(new PatchError("Couldn't apply patch 'x'. Reason: y"));
  assert.ok(mapped instanceof AppError);
  assert.deepEqual(
    [mapped.status, mapped.type, mapped.message],
    [400, 'PatchError', "Couldn't apply patch 'x'. Reason: y"],
  );
  // Nothing half-done: a failing later operation leaves no trace of the earlier ones.
  const before = doc();
  assert.throws(() =>
    applyPatch(before, [
      { op: 'replace', path: '/name', value: 'z' },
      { op: 'remove', path: '/extra/zz' },
    ]),
  );
  assert.equal(before.name, 'n0');
});

test("parsePatch: the body as Ironic's patch schema checks it", () => {
  const ok: unknown[] = [
    [{ op: 'add', path: '/extra/a-b_c', value: 1 }],
    [{ op: 'remove', path: '/extra/été' }],
    [{ op: 'replace', path: '/name', value: null }],
  ];
  for (const body of ok) assert.deepEqual(parsePatch(body), body);
  const bad: [unknown, RegExp][] = [
    [[], /non-empty JSON list/],
    [{ op: 'add' }, /non-empty JSON list/],
    [['x'], /Invalid patch operation/],
    [[{ op: 'add', path: '/', value: 1 }], /does not match/],
    [[{ op: 'add', path: '', value: 1 }], /does not match/],
    [[{ op: 'add', path: 'name', value: 1 }], /does not match/],
    [
      [{ op: 'add', path: '/extra/a~1b', value: 1 }],
      /Schema error for patch: '\/extra\/a~1b' does not match/,
    ],
    [[{ op: 'add', path: '/extra/a.b', value: 1 }], /does not match/],
    [[{ op: 'add', path: '/extra//a', value: 1 }], /does not match/],
    [[{ op: 'test', path: '/name', value: 1 }], /'test' is not one of/],
    [[{ op: 'move', path: '/name', from: '/extra' }], /'from' was unexpected/],
    [[{ op: 'add', path: '/name' }], /need a value/],
  ];
  for (const [body, want] of bad) assert.throws(() => parsePatch(body), want, JSON.stringify(body));
});

test('changedFields: changed and removed fields, unchanged ones left out', () => {
  const before = doc();
  const after = applyPatch(before, [
    { op: 'replace', path: '/name', value: 'n0' },
    { op: 'remove', path: '/description' },
    { op: 'add', path: '/properties/x', value: 1 },
  ]);
  assert.deepEqual(changedFields(before, after), ['description', 'properties']);
});
