// Two bare metal conductors in two real `ooo seed up` processes on one PostgreSQL. The first also serves
// identity and image; the second only bare metal. The nodes are split by the hash ring; each node's
// operations are asked of the process that owns it (and some of the other: any process can run them under
// the node's lease). The second is killed with SIGKILL while it holds nodes in `deploying` (fake deploys
// made slow by settings.fakeDelays) and in `inspect wait`: the first takes them over — the cut-short deploys
// fail with a last_error naming the dead conductor, the waits keep waiting and then time out — and
// `openstack baremetal conductor list` shows the dead one not alive. Two clients, one at each process,
// acting on one node at once: one wins, the other gets 409 or 400, one transition.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ACTION_STATES } from '../../src/baremetal/model/provision.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { authenticate, credentialsFromEnv } from '../../src/platform/openstack-auth.ts';
import { HashRing } from '../../src/platform/work/ring.ts';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { createDatabase, freePort, postgresUnavailable, startPostgres } from '../support/postgres.ts';
import { type SeedProcess, startSeedProcess } from '../support/seed-process.ts';

type J = Record<string, unknown> & { uuid: string; provision_state: string; last_error: string | null };

const HOSTS = ['cond-1', 'cond-2'] as const;
const INSPECT_WAIT_S = 40;

test('two conductors on PostgreSQL: one killed -9 mid-operation, the other takes its nodes over', {
  timeout: 600_000,
}, async (t) => {
  const why = postgresUnavailable() ?? cliUnavailable();
  if (why) return t.skip(why);
  const pg = await startPostgres();
  const dirs: string[] = [];
  const procs: SeedProcess[] = [];
  t.after(async () => {
    for (const p of procs.reverse()) await p.stop();
    pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const databaseUrl = createDatabase(pg.url, 'conductors');
  const port = { identity: await freePort(), image: await freePort(), network: await freePort() };
  const at = (p: number) => `http://127.0.0.1:${p}`;
  const baremetal = (host: string, extra: object) => ({
    host,
    periodicIntervalMs: 300,
    heartbeatTimeoutMs: 4_000,
    leaseTtlMs: 4_000,
    powerSyncIntervalMs: 3_600_000,
    automatedClean: false,
    waitTimeouts: { 'inspect wait': INSPECT_WAIT_S },
    ...extra,
  });
  const stateDir = (name: string, config: object) => {
    const dir = mkdtempSync(join(tmpdir(), `ooo-cond-${name}-`));
    dirs.push(dir);
    writeFileSync(join(dir, 'ooo.json'), JSON.stringify({ databaseUrl, ...config }));
    return dir;
  };
  const dir1 = stateDir('1', {
    ports: { identity: port.identity, image: port.image, network: port.network, baremetal: 0 },
    settings: { identity: { hashCostLog2: 10 }, image: { fsync: false }, baremetal: baremetal('cond-1', {}) },
  });
  const p1 = await startSeedProcess(['--state-dir', dir1, '--only', 'identity,image,network,baremetal']);
  procs.push(p1);
  // The second conductor: bare metal only, identity, image and network at the first; the same secret keys (driver_info
  // is sealed with them), as an operator copies them to every conductor host.
  const dir2 = stateDir('2', {
    ports: { baremetal: 0 },
    identityUrl: `${at(port.identity)}/v3`,
    serviceUrls: { image: at(port.image), network: at(port.network) },
    serviceCredentials: join(dir1, 'service-credentials.json'),
    settings: { baremetal: baremetal('cond-2', { fakeDelays: { deploy: 600 } }) },
  });
  cpSync(join(dir1, 'secret-keys'), join(dir2, 'secret-keys'), { recursive: true });
  const p2 = await startSeedProcess(['--state-dir', dir2, '--only', 'baremetal']);
  procs.push(p2);
  const api = { 'cond-1': p1.url('baremetal'), 'cond-2': p2.url('baremetal') };

  const cliEnv = { OS_CLIENT_CONFIG_FILE: join(dir1, 'clouds.yaml'), OS_CLOUD: 'seed' };
  const session = await authenticate(
    { log: silentLogger(), signal: new AbortController().signal },
    credentialsFromEnv(cliEnv),
  );
  const call = async (host: string, method: string, path: string, body?: object) => {
    const r = await fetch(`${api[host as keyof typeof api]}${path}`, {
      method,
      headers: {
        'x-auth-token': session.token,
        'x-openstack-ironic-api-version': '1.78',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as J };
  };
  const ring = new HashRing(HOSTS);
  const ownerOf = (uuid: string) => ring.owner(uuid) as string;
  const other = (host: string) => (host === 'cond-1' ? 'cond-2' : 'cond-1');
  const show = async (uuid: string) => (await call('cond-1', 'GET', `/v1/nodes/${uuid}`)).body;
  const until = async (uuid: string, pred: (n: J) => boolean, what: string, boundMs = 180_000) => {
    const end = Date.now() + boundMs;
    for (;;) {
      const n = await show(uuid);
      if (pred(n)) return n;
      if (Date.now() > end) assert.fail(`node ${uuid} never ${what}: ${JSON.stringify(n)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const act = async (host: string, uuid: string, target: string) => {
    const r = await call(host, 'PUT', `/v1/nodes/${uuid}/states/provision`, { target });
    assert.equal(r.status, 202, `${target} on ${uuid} at ${host}: ${JSON.stringify(r.body)}`);
  };

  // Enrolled alternately at either process; managed at the other one: any process serves any node.
  const deployers: string[] = [];
  const inspectors: string[] = [];
  for (let i = 0; i < 16; i++) {
    const host = HOSTS[i % 2] as string;
    const r = await call(host, 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: `n${i}`,
      driver_info: i < 8 ? {} : { fake_wait: 'inspect' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    (i < 8 ? deployers : inspectors).push(r.body.uuid);
    await act(other(host), r.body.uuid, 'manage');
  }
  const all = [...deployers, ...inspectors];
  for (const u of all) await until(u, (n) => n.provision_state === 'manageable', 'manageable');
  for (const hosts of [HOSTS, [...HOSTS].reverse()])
    assert.ok(
      all.some((u) => ownerOf(u) === hosts[0]),
      `the ring gives ${hosts[0]} some nodes`,
    );

  await t.test('two clients, one at each process, act on one node at once: one transition', async () => {
    const u = deployers[0] as string;
    const outcomes = await Promise.all(
      [...HOSTS, ...HOSTS].map((h) =>
        call(h, 'PUT', `/v1/nodes/${u}/states/provision`, { target: 'provide' }),
      ),
    );
    const codes = outcomes.map((o) => o.status);
    assert.equal(codes.filter((c) => c === 202).length, 1, `codes ${codes}`);
    for (const c of codes) assert.ok(c === 202 || c === 409 || c === 400, `codes ${codes}`);
    await until(u, (n) => n.provision_state === 'available', 'available');
    const history = (await call('cond-1', 'GET', `/v1/nodes/${u}/history`)).body.history as {
      event: string;
    }[];
    assert.equal(history.filter((h) => h.event.includes('(provide)')).length, 1, 'exactly one transition');
  });

  for (const u of deployers.slice(1)) await act(ownerOf(u), u, 'provide');
  for (const u of deployers) await until(u, (n) => n.provision_state === 'available', 'available');

  // Each node's operation at its owner: cond-2's deploys sleep in `deploying`, cond-1's finish.
  for (const u of deployers) await act(ownerOf(u), u, 'active');
  for (const u of inspectors) await act(ownerOf(u), u, 'inspect');
  const ofTwo = (u: string) => ownerOf(u) === 'cond-2';
  for (const u of deployers.filter(ofTwo))
    await until(
      u,
      (n) => n.provision_state === 'deploying' && n.reservation === 'cond-2',
      'deploying at cond-2',
    );
  for (const u of inspectors) await until(u, (n) => n.provision_state === 'inspect wait', 'in inspect wait');
  for (const u of deployers.filter((u) => !ofTwo(u)))
    await until(u, (n) => n.provision_state === 'active', 'active');
  assert.ok(deployers.some(ofTwo) && inspectors.some(ofTwo), 'cond-2 holds deploys and waits');

  const conductors = async () =>
    Object.fromEntries(
      (await openstack(cliEnv, ['baremetal', 'conductor', 'list', '-f', 'json']))
        .json<{ Hostname: string; Alive: boolean }[]>()
        .map((c) => [c.Hostname, c.Alive]),
    );
  assert.deepEqual(await conductors(), { 'cond-1': true, 'cond-2': true });

  p2.child.kill('SIGKILL');
  await p2.stop();

  await t.test('the cut-short deploys fail with last_error naming the dead conductor', async () => {
    for (const u of deployers.filter(ofTwo)) {
      // The failure is written inside the takeover's task, and the lease (reservation) released right after.
      const n = await until(
        u,
        (x) => x.provision_state === 'deploy failed' && x.reservation === null,
        'failed and released',
      );
      assert.match(
        n.last_error ?? '',
        /conductor cond-2 stopped while the node was deploying.*Taken over by cond-1/,
      );
    }
  });

  await t.test('the waits keep waiting, then time out at the survivor', async () => {
    for (const u of inspectors) {
      const n = await until(u, (x) => x.provision_state !== 'inspect wait', 'left inspect wait', 300_000);
      assert.equal(n.provision_state, 'inspect failed');
      assert.match(n.last_error ?? '', /Timeout reached while inspecting the node/);
      const history = (await call('cond-1', 'GET', `/v1/nodes/${u}/history?detail=True`)).body.history as {
        event: string;
        conductor: string;
      }[];
      const failed = history.filter((h) => h.event.includes('inspect wait -> inspect failed'));
      assert.equal(failed.length, 1);
      // cond-1 timed out every wait: its own at once, cond-2's once cond-2 had left the ring.
      assert.equal(failed[0]?.conductor, 'cond-1');
    }
  });

  await t.test('conductor list: cond-2 is not alive; no node is left in an action state', async () => {
    const end = Date.now() + 60_000;
    let seen = await conductors();
    while (seen['cond-2'] !== false && Date.now() < end) seen = await conductors();
    assert.deepEqual(seen, { 'cond-1': true, 'cond-2': false });
    const nodes = (await call('cond-1', 'GET', '/v1/nodes/detail')).body.nodes as J[];
    assert.equal(nodes.length, all.length);
    for (const n of nodes) {
      assert.ok(!ACTION_STATES.has(n.provision_state as never), `${n.uuid} left in ${n.provision_state}`);
      assert.equal(n.reservation, null);
    }
  });

  await t.test('a failed deploy of a taken-over node succeeds again at the survivor', async () => {
    const u = deployers.find(ofTwo) as string;
    await act('cond-1', u, 'active');
    const n = await until(u, (x) => x.provision_state === 'active', 'active');
    assert.equal(n.last_error, null);
  });
});
