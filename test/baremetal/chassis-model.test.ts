// The pure rules of a chassis: its create body and its JSON patch, table by table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Chassis, newChassis, patchChassis } from '../../src/baremetal/model/chassis.ts';
import type { PatchOp } from '../../src/baremetal/model/json-patch.ts';

const init = { uuid: '3be26c0b-03f2-4d2e-ae87-c02d7f33c123', now: '2026-01-01T00:00:00.000Z' };

test('chassis create: the given uuid (lower-cased) or the caller’s, description and extra', () => {
  const rows: [Record<string, unknown>, Partial<Chassis>][] = [
    [{}, { uuid: init.uuid, description: null, extra: {} }],
    [
      { uuid: 'AAAAAAAA-03F2-4D2E-AE87-C02D7F33C123', description: 'rack 1', extra: { row: 'b' } },
      { uuid: 'aaaaaaaa-03f2-4d2e-ae87-c02d7f33c123', description: 'rack 1', extra: { row: 'b' } },
    ],
  ];
  for (const [body, want] of rows) {
    const c = newChassis(body, init);
    assert.deepEqual(
      { uuid: c.uuid, description: c.description, extra: c.extra },
      want,
      JSON.stringify(body),
    );
    assert.equal(c.created_at, init.now);
  }
});

test('chassis create: refusals name what is wrong', () => {
  const rows: [Record<string, unknown>, RegExp][] = [
    [{ name: 'x' }, /Unknown attribute for chassis: name/],
    [{ uuid: 'not-a-uuid' }, /Invalid chassis uuid/],
    [{ extra: [] }, /extra must be an object/],
    [{ description: 'd'.repeat(256) }, /at most 255 characters/],
  ];
  for (const [body, re] of rows) assert.throws(() => newChassis(body, init), re, JSON.stringify(body));
});

test('chassis patch: description, extra and its keys; other paths refused', () => {
  const base = (): Chassis => ({ ...newChassis({ extra: { a: 1, b: 2 } }, init), description: 'old' });
  const rows: [PatchOp[], Partial<Chassis> | RegExp][] = [
    [[{ op: 'replace', path: '/description', value: 'new' }], { description: 'new', extra: { a: 1, b: 2 } }],
    [[{ op: 'remove', path: '/description' }], { description: null, extra: { a: 1, b: 2 } }],
    [[{ op: 'add', path: '/extra/c', value: 3 }], { description: 'old', extra: { a: 1, b: 2, c: 3 } }],
    [[{ op: 'remove', path: '/extra/a' }], { description: 'old', extra: { b: 2 } }],
    [[{ op: 'replace', path: '/extra', value: { z: 0 } }], { description: 'old', extra: { z: 0 } }],
    [[{ op: 'replace', path: '/uuid', value: init.uuid }], /'\/uuid' is an internal attribute/],
    [[{ op: 'remove', path: '/extra/zz' }], /can't remove a non-existent object 'zz'/],
    [[{ op: 'add', path: '/colour', value: 1 }], /Adding a new attribute \(\/colour\)/],
    [[{ op: 'replace', path: '/description', value: 7 }], /at most 255 characters/],
  ];
  for (const [ops, want] of rows) {
    const c = base();
    if (want instanceof RegExp) {
      assert.throws(() => patchChassis(c, ops), want, JSON.stringify(ops));
      continue;
    }
    patchChassis(c, ops);
    assert.deepEqual({ description: c.description, extra: c.extra }, want, JSON.stringify(ops));
  }
});
