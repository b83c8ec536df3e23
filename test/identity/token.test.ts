import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { fernetDecrypt, fernetEncrypt } from '../../src/identity/model/fernet.ts';
import {
  decodePayload,
  encodePayload,
  openToken,
  sealToken,
  type TokenPayload,
} from '../../src/identity/model/token.ts';

const key = Buffer.alloc(32, 7);
const other = Buffer.alloc(32, 9);
const iv = Buffer.alloc(16, 1);
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

const payloads: [string, TokenPayload][] = [
  [
    'project scope',
    {
      userId: 'u1',
      methods: ['password'],
      scope: { kind: 'project', id: 'p1' },
      issuedAt: T0,
      expiresAt: T0 + 3600_000,
      auditIds: ['a1'],
    },
  ],
  [
    'domain scope, rescoped',
    {
      userId: 'u1',
      methods: ['password', 'token'],
      scope: { kind: 'domain', id: 'default' },
      issuedAt: T0,
      expiresAt: T0 + 1000,
      auditIds: ['a2', 'a1'],
    },
  ],
  [
    'unscoped',
    {
      userId: 'u2',
      methods: ['password'],
      scope: { kind: 'unscoped' },
      issuedAt: T0,
      expiresAt: T0 + 1,
      auditIds: ['x'],
    },
  ],
  [
    'system',
    {
      userId: 'u2',
      methods: ['token'],
      scope: { kind: 'system' },
      issuedAt: T0,
      expiresAt: T0 + 5,
      auditIds: ['y'],
    },
  ],
  [
    'application credential',
    {
      userId: 'u3',
      methods: ['application_credential'],
      scope: { kind: 'project', id: 'p9' },
      issuedAt: T0,
      expiresAt: T0 + 60_000,
      auditIds: ['z'],
      appCredId: 'c1',
    },
  ],
];

test('payloads round-trip through encode/decode and through a sealed token', () => {
  for (const [name, p] of payloads) {
    assert.deepEqual(decodePayload(encodePayload(p)), p, name);
    const token = sealToken(p, key, iv);
    assert.match(token, /^[A-Za-z0-9_-]+$/, `${name}: URL-safe`);
    const r = openToken([other, key], token, p.issuedAt);
    assert.deepEqual(r, { ok: true, payload: p }, name);
  }
});

test('the Fernet envelope follows the spec layout', () => {
  const token = fernetEncrypt(key, Buffer.from('hello'), iv, 1_700_000_000);
  const raw = Buffer.from(token, 'base64url');
  assert.equal(raw[0], 0x80);
  assert.equal(Number(raw.readBigUInt64BE(1)), 1_700_000_000);
  assert.deepEqual(raw.subarray(9, 25), iv);
  assert.equal(raw.length, 1 + 8 + 16 + 16 + 32);
  const opened = fernetDecrypt([other, key], token);
  assert.equal(opened?.plaintext.toString(), 'hello');
  assert.equal(opened?.keyIndex, 1);
});

test('tokens that must not open', () => {
  const p = payloads[0]![1];
  const good = sealToken(p, key, iv);
  const raw = Buffer.from(good, 'base64url');
  const flip = (i: number) => {
    const b = Buffer.from(raw);
    b[i] = b[i]! ^ 1;
    return b.toString('base64url');
  };
  const cases: [string, string, readonly Buffer[], number, string][] = [
    ['wrong key', good, [other], T0, 'invalid'],
    ['no keys', good, [], T0, 'invalid'],
    ['flipped version', flip(0), [key], T0, 'invalid'],
    ['flipped timestamp', flip(5), [key], T0, 'invalid'],
    ['flipped ciphertext', flip(30), [key], T0, 'invalid'],
    ['flipped mac', flip(raw.length - 1), [key], T0, 'invalid'],
    ['truncated', good.slice(0, -10), [key], T0, 'invalid'],
    ['empty', '', [key], T0, 'invalid'],
    ['not base64', 'gAAAA!!!', [key], T0, 'invalid'],
    ['huge', 'A'.repeat(10_000), [key], T0, 'invalid'],
    ['expired exactly', good, [key], p.expiresAt, 'expired'],
    ['expired later', good, [key], p.expiresAt + 1, 'expired'],
    ['from the future', good, [key], T0 - 3600_000, 'not-yet-valid'],
  ];
  for (const [name, token, keys, now, reason] of cases) {
    assert.deepEqual(openToken(keys, token, now), { ok: false, reason }, name);
  }
  assert.equal(openToken([key], good, p.expiresAt - 1).ok, true, 'valid until the last millisecond');
});

test('a payload that is not ours is refused even inside a valid envelope', () => {
  const bad = [
    '[2,"u",1,1,"p",1,2,["a"],null]',
    '{"user":"u"}',
    '[1,"u",1,1,null,1,2,["a"],null]',
    '[1,"u",1,9,"p",1,2,["a"],null]',
    '[1,"u",1,1,"p","1",2,["a"],null]',
    '[1,"u",1,1,"p",1,2,[3],null]',
    'not json',
  ];
  for (const text of bad) {
    assert.equal(decodePayload(Buffer.from(text)), undefined, text);
    const token = fernetEncrypt(key, Buffer.from(text), randomBytes(16), Math.floor(T0 / 1000));
    assert.deepEqual(openToken([key], token, T0), { ok: false, reason: 'invalid' }, text);
  }
});
