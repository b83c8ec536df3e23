// Secrets never reach a log line, at any depth: the key rules as a table, then the logger end to end
// (each call's object and a child logger's bindings). The cost is measured by bench/platform/redact.ts.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/platform/log/logger.ts';
import { CENSOR, isSecretKey, redactSecrets } from '../../src/platform/log/redact.ts';

test('which keys name a secret (table)', () => {
  const table: [string, boolean][] = [
    ['password', true],
    ['Password', true],
    ['ipmi_password', true],
    ['redfish_password', true],
    ['admin-password', true],
    ['passwd', true],
    ['secret', true],
    ['client_secret', true],
    ['token', true],
    ['X-Auth-Token', true],
    ['x-subject-token', true],
    ['refresh_token', true],
    ['authorization', true],
    ['Cookie', true],
    ['password_expires_at', false],
    ['token_id', false],
    ['tokens', false],
    ['secretary', false],
    ['ipmi_username', false],
    ['driver_info', false],
  ];
  for (const [key, secret] of table) assert.equal(isSecretKey(key), secret, key);
});

test('redaction at any depth (table)', () => {
  const table: [string, unknown, unknown][] = [
    ['top level', { password: 'p', user: 'u' }, { password: CENSOR, user: 'u' }],
    [
      'nodes[].driver_info.*_password',
      {
        nodes: [
          { driver_info: { ipmi_password: 'a', ipmi_address: '10.0.0.5' } },
          { driver_info: { redfish_password: 'b' } },
        ],
      },
      {
        nodes: [
          { driver_info: { ipmi_password: CENSOR, ipmi_address: '10.0.0.5' } },
          { driver_info: { redfish_password: CENSOR } },
        ],
      },
    ],
    [
      'headers in any case',
      { req: { headers: { 'X-Auth-Token': 't', accept: 'json' } } },
      { req: { headers: { 'X-Auth-Token': CENSOR, accept: 'json' } } },
    ],
    [
      'a secret-named object is censored whole',
      { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'p' } } } } },
      { auth: { identity: { methods: ['password'], password: CENSOR } } },
    ],
    [
      'six levels down',
      { a: { b: { c: { d: { e: { secret: 's' } } } } } },
      { a: { b: { c: { d: { e: { secret: CENSOR } } } } } },
    ],
    ['lists of lists', [[{ token: 't' }]], [[{ token: CENSOR }]]],
    [
      'null and absent secrets stay as they are',
      { password: null, token: undefined },
      { password: null, token: undefined },
    ],
    ['no secrets: unchanged', { a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] }],
  ];
  for (const [why, input, want] of table) {
    const before = structuredClone(input);
    assert.deepEqual(redactSecrets(input), want, why);
    assert.deepEqual(input, before, `${why}: the logged object itself is not modified`);
  }
  const clean = { a: [1, { b: 'c' }] };
  assert.equal(redactSecrets(clean), clean, 'an object without secrets is not copied');
  const cyclic: Record<string, unknown> = { password: 'p' };
  cyclic.self = cyclic;
  assert.equal((redactSecrets(cyclic) as Record<string, unknown>).password, CENSOR, 'a cycle ends');
});

test('secrets never reach a log line', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ destination: sink });
  const secrets = [
    'hunter2',
    'bmc-pass',
    'redfish-pass',
    'tok-abc',
    'subj-def',
    'Basic Zm9v',
    'bound-secret',
  ];
  log.info({ password: 'hunter2' }, 'login');
  log.info({ user: { password: 'hunter2' } }, 'nested');
  log.info({ auth: { identity: { password: { user: { password: 'hunter2' } } } } }, 'keystone body');
  log.info(
    { nodes: [{ driver_info: { ipmi_password: 'bmc-pass', ipmi_address: '10.0.0.5' } }] },
    'node list',
  );
  log.info({ a: { b: { node: { driver_info: { redfish_password: 'redfish-pass' } } } } }, 'deep');
  log.info(
    {
      req: {
        headers: { 'X-Auth-Token': 'tok-abc', 'x-subject-token': 'subj-def', authorization: 'Basic Zm9v' },
      },
    },
    'request',
  );
  log.child({ service: { credentials: { secret: 'bound-secret' } } }).info('from a child');
  log.child({ reqId: 'r1' }).child({ 'x-auth-token': 'tok-abc' }).info('from a grandchild');
  const all = lines.join('');
  assert.equal(lines.length, 8);
  for (const s of secrets) assert.ok(!all.includes(s), `${s} leaked: ${all}`);
  assert.ok(all.includes('10.0.0.5'), 'non-secret fields stay');
  assert.equal((all.match(/\*\*\*\*\*\*/g) ?? []).length, 10);
});
