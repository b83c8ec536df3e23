// kill -9 of the seed (identity, image and bare metal in one real `ooo seed up` process, SQLite) while sim
// nodes deploy, then a restart on the same state directory: every node ends in a stable or failed state
// (a wait whose agent died with the process times out; an action cut short fails at once its lease has
// expired) with a last_error, none is left in an action state or reserved, and a redeploy then succeeds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ACTION_STATES, type ProvisionState } from '../../src/baremetal/model/provision.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { authenticate, credentialsFromEnv } from '../../src/platform/openstack-auth.ts';
import { freePort } from '../support/postgres.ts';
import { type SeedProcess, startSeedProcess } from '../support/seed-process.ts';

type J = Record<string, unknown> & {
  uuid: string;
  provision_state: ProvisionState;
  last_error: string | null;
  reservation: string | null;
};

const NODES = 6;

test('kill -9 of the seed during sim deploys, restart: every node settles, a redeploy succeeds', {
  timeout: 600_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-kill-sim-'));
  const procs: SeedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // Fixed ports: the restarted seed must be where clouds.yaml and the catalog say it is.
  const ports = {
    identity: await freePort(),
    image: await freePort(),
    network: await freePort(),
    baremetal: await freePort(),
  };
  writeFileSync(
    join(dir, 'ooo.json'),
    JSON.stringify({
      ports,
      settings: {
        identity: { hashCostLog2: 10 },
        image: { fsync: false },
        baremetal: {
          agentPollIntervalMs: 100,
          periodicIntervalMs: 300,
          leaseTtlMs: 3_000,
          heartbeatTimeoutMs: 3_000,
          automatedClean: false,
          simDiskGb: 1,
          waitTimeouts: { 'wait call-back': 20 },
        },
      },
    }),
  );
  const up = async () => {
    const p = await startSeedProcess(['--state-dir', dir, '--only', 'identity,image,network,baremetal']);
    procs.push(p);
    const env = { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'seed' };
    const session = await authenticate(
      { log: silentLogger(), signal: new AbortController().signal },
      credentialsFromEnv(env),
    );
    const call = async (service: string, method: string, path: string, body?: unknown, type = 'json') => {
      const r = await fetch(`${p.url(service)}${path}`, {
        method,
        headers: {
          'x-auth-token': session.token,
          'x-openstack-ironic-api-version': '1.78',
          ...(body === undefined
            ? {}
            : { 'content-type': type === 'json' ? 'application/json' : 'application/octet-stream' }),
        },
        body: body === undefined ? undefined : type === 'json' ? JSON.stringify(body) : (body as Buffer),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as J };
    };
    return { p, call };
  };

  let seed = await up();
  const image = await seed.call('image', 'POST', '/v2/images', {
    name: 'kill-img',
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'public',
  });
  assert.equal(image.status, 201);
  const imageId = image.body.id as string;
  const put = await seed.call('image', 'PUT', `/v2/images/${imageId}/file`, randomBytes(8 << 20), 'raw');
  assert.equal(put.status, 204);

  const show = async (u: string) => (await seed.call('baremetal', 'GET', `/v1/nodes/${u}`)).body;
  const until = async (u: string, pred: (n: J) => boolean, what: string, boundMs = 240_000) => {
    const end = Date.now() + boundMs;
    for (;;) {
      const n = await show(u);
      if (pred(n)) return n;
      if (Date.now() > end) assert.fail(`node ${u} never ${what}: ${JSON.stringify(n)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const act = async (u: string, target: string) => {
    const r = await seed.call('baremetal', 'PUT', `/v1/nodes/${u}/states/provision`, { target });
    assert.equal(r.status, 202, `${target} ${u}: ${JSON.stringify(r.body)}`);
  };

  const nodes: string[] = [];
  for (let i = 0; i < NODES; i++) {
    const n = await seed.call('baremetal', 'POST', '/v1/nodes', {
      driver: 'sim',
      name: `sim${i}`,
      properties: { local_gb: 1 },
      instance_info: { image_source: imageId },
    });
    assert.equal(n.status, 201, JSON.stringify(n.body));
    const mac = `52:54:00:7e:00:${i.toString(16).padStart(2, '0')}`;
    assert.equal(
      (await seed.call('baremetal', 'POST', '/v1/ports', { address: mac, node_uuid: n.body.uuid })).status,
      201,
    );
    nodes.push(n.body.uuid);
    await act(n.body.uuid, 'manage');
  }
  for (const u of nodes) await until(u, (n) => n.provision_state === 'manageable', 'manageable');
  for (const u of nodes) await act(u, 'provide');
  for (const u of nodes) await until(u, (n) => n.provision_state === 'available', 'available');

  for (const u of nodes) await act(u, 'active');
  // Killed once an agent is at work (a node in wait call-back), before the deploys are through.
  const end = Date.now() + 120_000;
  let states: ProvisionState[] = [];
  while (Date.now() < end) {
    states = await Promise.all(nodes.map(async (u) => (await show(u)).provision_state));
    if (states.includes('wait call-back')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(states.includes('wait call-back'), `no deploy reached wait call-back: ${states}`);
  seed.p.child.kill('SIGKILL');
  await seed.p.stop();
  t.diagnostic(`states at the kill: ${states.join(', ')}`);

  seed = await up();
  const settled = (n: J) =>
    n.reservation === null && (n.provision_state === 'active' || n.provision_state === 'deploy failed');
  const after: J[] = [];
  for (const u of nodes) after.push(await until(u, settled, 'settled'));
  for (const n of after) {
    assert.ok(!ACTION_STATES.has(n.provision_state), `${n.uuid} in ${n.provision_state}`);
    if (n.provision_state === 'deploy failed')
      assert.match(
        n.last_error ?? '',
        /Timeout reached while waiting for callback|stopped while the node was/,
      );
  }
  const failed = after.filter((n) => n.provision_state === 'deploy failed');
  t.diagnostic(`after the restart: ${after.map((n) => n.provision_state).join(', ')}`);
  assert.ok(failed.length > 0, 'the kill cut some deploy short');

  for (const n of failed) await act(n.uuid, 'active');
  for (const n of failed) {
    const done = await until(
      n.uuid,
      (x) => x.provision_state !== 'deploying' && x.provision_state !== 'wait call-back',
      'redeployed',
    );
    assert.equal(done.provision_state, 'active', done.last_error ?? '');
    assert.equal(done.last_error, null);
  }
});
