import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/platform/log/logger.ts';

test('secrets never reach a log line', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ destination: sink });
  const secrets = ['hunter2', 'bmc-pass', 'redfish-pass', 'tok-abc', 'subj-def', 'Basic Zm9v'];
  log.info({ password: 'hunter2' }, 'login');
  log.info({ user: { password: 'hunter2' } }, 'nested');
  log.info({ auth: { identity: { password: { user: { password: 'hunter2' } } } } }, 'keystone body');
  log.info({ driver_info: { ipmi_password: 'bmc-pass', ipmi_address: '10.0.0.5' } }, 'node');
  log.info({ node: { driver_info: { redfish_password: 'redfish-pass' } } }, 'node nested');
  log.info(
    {
      req: {
        headers: { 'x-auth-token': 'tok-abc', 'x-subject-token': 'subj-def', authorization: 'Basic Zm9v' },
      },
    },
    'request',
  );
  const all = lines.join('');
  assert.equal(lines.length, 6);
  for (const s of secrets) assert.ok(!all.includes(s), `${s} leaked: ${all}`);
  assert.ok(all.includes('10.0.0.5'), 'non-secret fields stay');
  assert.equal((all.match(/\*\*\*\*\*\*/g) ?? []).length, 8);
});
