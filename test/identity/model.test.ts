// Table-driven tests of the pure parts: auth request parsing (scope resolution), role implication,
// effective assignments and settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthRequest } from '../../src/identity/model/auth-request.ts';
import { effectiveAssignments, effectiveRoleIds, expandImplied } from '../../src/identity/model/roles.ts';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/identity/model/settings.ts';
import { isoTime, parseExpiry } from '../../src/identity/model/time.ts';
import type { Assignment } from '../../src/identity/model/types.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';

const pw = { methods: ['password'], password: { user: { id: 'u1', password: 'p' } } };

test('auth requests parse into identity and scope', () => {
  const cases: [string, unknown, unknown][] = [
    ['unscoped', { auth: { identity: pw } }, { kind: 'unscoped' }],
    [
      'project by id',
      { auth: { identity: pw, scope: { project: { id: 'p1' } } } },
      { kind: 'project', project: { id: 'p1' } },
    ],
    [
      'project by name in a domain by name',
      { auth: { identity: pw, scope: { project: { name: 'demo', domain: { name: 'Default' } } } } },
      { kind: 'project', project: { name: 'demo', domain: { name: 'Default' } } },
    ],
    [
      'domain by id',
      { auth: { identity: pw, scope: { domain: { id: 'default' } } } },
      { kind: 'domain', domain: { id: 'default' } },
    ],
    ['system', { auth: { identity: pw, scope: { system: { all: true } } } }, { kind: 'system' }],
    ['explicit unscoped string', { auth: { identity: pw, scope: 'unscoped' } }, { kind: 'unscoped' }],
  ];
  for (const [name, body, scope] of cases) assert.deepEqual(parseAuthRequest(body).scope, scope, name);
});

test('identities of each method', () => {
  const cases: [string, unknown, unknown][] = [
    ['password by id', pw, { method: 'password', user: { id: 'u1' }, password: 'p' }],
    [
      'password by name',
      { methods: ['password'], password: { user: { name: 'n', domain: { id: 'd' }, password: '' } } },
      { method: 'password', user: { name: 'n', domain: { id: 'd' } }, password: '' },
    ],
    ['token', { methods: ['token'], token: { id: 'gAAA' } }, { method: 'token', tokenId: 'gAAA' }],
    [
      'application credential by id',
      { methods: ['application_credential'], application_credential: { id: 'c', secret: 's' } },
      { method: 'application_credential', id: 'c', secret: 's' },
    ],
    [
      'application credential by name and user',
      {
        methods: ['application_credential'],
        application_credential: { name: 'c', secret: 's', user: { id: 'u' } },
      },
      { method: 'application_credential', name: 'c', user: { id: 'u' }, secret: 's' },
    ],
  ];
  for (const [name, identity, want] of cases)
    assert.deepEqual(parseAuthRequest({ auth: { identity } }).identity, want, name);
});

test('malformed auth requests are 400s naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [null, /body/],
    [{ auth: [] }, /'auth'/],
    [{ auth: { identity: { methods: [] } } }, /methods/],
    [{ auth: { identity: { methods: ['password', 'token'] } } }, /one authentication method/],
    [
      { auth: { identity: { methods: ['password'], password: { user: { name: 'n', password: 'p' } } } } },
      /domain/,
    ],
    [{ auth: { identity: { methods: ['password'], password: { user: { id: 'u' } } } } }, /password/],
    [{ auth: { identity: pw, scope: { project: { name: 'p' } } } }, /domain/],
    [{ auth: { identity: pw, scope: { nebula: {} } } }, /unknown scope nebula/],
    [{ auth: { identity: pw, scope: { domain: {} } } }, /id or a name/],
    [
      {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { name: 'c', secret: 's' },
          },
        },
      },
      /user/,
    ],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => parseAuthRequest(body),
      (e: unknown) => isAppError(e) && e.status === 400 && message.test(e.message),
      JSON.stringify(body),
    );
  }
});

test('role implication closure', () => {
  const rules = [
    { prior: 'admin', implied: 'member' },
    { prior: 'member', implied: 'reader' },
    { prior: 'x', implied: 'y' },
    { prior: 'y', implied: 'x' },
  ];
  const cases: [string[], string[]][] = [
    [['admin'], ['admin', 'member', 'reader']],
    [['member'], ['member', 'reader']],
    [['reader'], ['reader']],
    [['x'], ['x', 'y']],
    [[], []],
  ];
  for (const [roles, want] of cases)
    assert.deepEqual([...expandImplied(roles, rules)].sort(), want, roles.join());
});

test('effective roles and assignments through groups and implications', () => {
  const a = (actorType: 'user' | 'group', actorId: string, roleId: string, targetId = 'p'): Assignment => ({
    actorType,
    actorId,
    targetType: 'project',
    targetId,
    roleId,
  });
  const rules = [{ prior: 'member', implied: 'reader' }];
  const rows = [a('user', 'u', 'member'), a('group', 'g', 'observer'), a('user', 'v', 'admin', 'q')];
  assert.deepEqual([...effectiveRoleIds(rows, 'u', ['g'], { type: 'project', id: 'p' }, rules)].sort(), [
    'member',
    'observer',
    'reader',
  ]);
  assert.deepEqual([...effectiveRoleIds(rows, 'u', [], { type: 'project', id: 'q' }, rules)], []);
  const eff = effectiveAssignments(rows, new Map([['g', ['u', 'w']]]), rules);
  assert.deepEqual(
    eff.map(
      (e) =>
        `${e.actorId}:${e.roleId}${e.viaGroup ? `<${e.viaGroup}` : ''}${e.priorRole ? `^${e.priorRole}` : ''}`,
    ),
    ['u:member', 'u:reader^member', 'u:observer<g', 'w:observer<g', 'v:admin'],
  );
});

test('settings: defaults, overrides and refusals', () => {
  assert.deepEqual(parseSettings({}), DEFAULT_SETTINGS);
  const s = parseSettings({ tokenExpirationSeconds: 60, hashCostLog2: 12, throttle: { maxFailures: 0 } });
  assert.equal(s.tokenExpirationSeconds, 60);
  assert.equal(s.hashCost.ln, 12);
  assert.equal(s.throttle.maxFailures, 0);
  for (const bad of [
    { tokenExpirationSeconds: 0 },
    { tokenExpirationSeconds: '60' },
    { hashCostLog2: 30 },
    { maxActiveKeys: 1 },
  ]) {
    assert.throws(() => parseSettings(bad), /identity setting/, JSON.stringify(bad));
  }
});

test('expiry times: parsed to ms, rendered with microseconds like keystone', () => {
  const cases: [string, { ms: number; text: string } | undefined][] = [
    [
      '2026-11-24T22:24:31.179089',
      { ms: Date.UTC(2026, 10, 24, 22, 24, 31, 179), text: '2026-11-24T22:24:31.179089' },
    ],
    ['2026-11-24T22:24:31Z', { ms: Date.UTC(2026, 10, 24, 22, 24, 31), text: '2026-11-24T22:24:31.000000' }],
    [
      '2026-11-24T22:24:31.5+01:00',
      { ms: Date.UTC(2026, 10, 24, 21, 24, 31, 500), text: '2026-11-24T21:24:31.500000' },
    ],
    ['2026-11-24T22:24', { ms: Date.UTC(2026, 10, 24, 22, 24), text: '2026-11-24T22:24:00.000000' }],
    ['tomorrow', undefined],
    ['2026-13-01T00:00:00', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseExpiry(input), want, input);
  assert.equal(isoTime(Date.UTC(2026, 0, 1, 12, 0, 0, 7)), '2026-01-01T12:00:00.007000Z');
});
