// No BMC secret reaches a log line: the service logs at debug level into a buffer while a node with
// several kinds of secret goes through create, patch, provision (including a failure) and power.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { baremetalService } from '../../src/baremetal/index.ts';
import type { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { createLogger } from '../../src/platform/log/logger.ts';
import { startServiceApp } from '../support/service-app.ts';

const SECRETS = ['ipmi-pw-3141', 'redfish-pw-2718', 'snmp-secret-1618', 'patched-pw-1414'];

test('secrets never appear in the log, whatever happens to the node', async () => {
  let logged = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged += String(chunk);
      done();
    },
  });
  const svc = await startServiceApp(baremetalService, {
    log: createLogger({ level: 'debug', destination: sink }),
    settings: { periodicIntervalMs: 3_600_000 },
  });
  try {
    const conductor = (svc.running.client as { conductor: Conductor }).conductor;
    const h = { ...svc.as('admin'), 'x-openstack-ironic-api-version': '1.78' };
    const req = (method: 'POST' | 'PATCH' | 'PUT' | 'GET', url: string, payload?: object) =>
      svc.app.inject({ method, url, headers: h, ...(payload ? { payload } : {}) });
    const created = await req('POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'leaky',
      driver_info: { ipmi_password: SECRETS[0], redfish_password: SECRETS[1], snmp_auth_secret: SECRETS[2] },
    });
    assert.equal(created.statusCode, 201);
    await req('PATCH', '/v1/nodes/leaky', [
      { op: 'add', path: '/driver_info/bmc_password', value: SECRETS[3] },
    ]);
    await req('PUT', '/v1/nodes/leaky/states/provision', { target: 'manage' });
    await conductor.idle();
    await req('PATCH', '/v1/nodes/leaky', [{ op: 'add', path: '/driver_info/fake_fail', value: 'clean' }]);
    await conductor.idle();
    await req('PUT', '/v1/nodes/leaky/states/provision', { target: 'provide' });
    await req('PUT', '/v1/nodes/leaky/states/power', { target: 'power on' });
    await conductor.idle();
    const shown = await req('GET', '/v1/nodes/leaky');
    for (const s of SECRETS) assert.ok(!shown.body.includes(s), `response carries ${s}`);
    assert.match(logged, /node created/, 'the log did receive lines');
    assert.match(logged, /Cleaning failed/, 'the failure was logged');
    for (const s of SECRETS) assert.ok(!logged.includes(s), `log carries ${s}`);
  } finally {
    await svc.close();
  }
});
