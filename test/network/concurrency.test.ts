// IPAM under concurrency: 200 parallel port creates on a subnet whose pool holds 150 addresses. Exactly 150
// succeed, with distinct addresses and MACs; the other 50 get IpAddressGenerationFailure. In one process on
// SQLite, and in two processes sharing one PostgreSQL database.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { networkService } from '../../src/network/index.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';
import { startServiceApp } from '../support/service-app.ts';
import { call, networkWithSubnet } from './helpers.ts';

const SUBNET = { cidr: '10.99.0.0/24', allocation_pools: [{ start: '10.99.0.10', end: '10.99.0.159' }] };

interface Outcome {
  status: number;
  body: {
    port?: { fixed_ips: { ip_address: string }[]; mac_address: string };
    NeutronError?: { type: string };
  };
}

function check(outcomes: Outcome[]) {
  const ok = outcomes.filter((o) => o.status === 201);
  const failed = outcomes.filter((o) => o.status !== 201);
  assert.equal(ok.length, 150, `successes (failures: ${JSON.stringify(failed.slice(0, 3))})`);
  assert.equal(failed.length, 50);
  for (const f of failed) {
    assert.equal(f.status, 409);
    assert.equal(f.body.NeutronError?.type, 'IpAddressGenerationFailure');
  }
  const ips = ok.map((o) => o.body.port!.fixed_ips[0]!.ip_address);
  assert.equal(new Set(ips).size, 150, 'addresses are unique');
  const expected = Array.from({ length: 150 }, (_, i) => `10.99.0.${10 + i}`);
  assert.deepEqual([...ips].sort(), [...expected].sort(), 'exactly the pool was handed out');
  assert.equal(new Set(ok.map((o) => o.body.port!.mac_address)).size, 150, 'MACs are unique');
}

test('200 parallel port creates on a 150-address pool [sqlite, one process]', async () => {
  const svc = await startServiceApp(networkService);
  try {
    const { networkId } = await networkWithSubnet(svc, SUBNET);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        call(svc, 'admin', 'POST', '/v2.0/ports', { port: { network_id: networkId } }),
      ),
    );
    check(outcomes as Outcome[]);
  } finally {
    await svc.close();
  }
});

describe('200 parallel port creates across two processes sharing PostgreSQL', {
  skip: postgresUnavailable(),
}, () => {
  let pg: TestPostgres;
  const children: ChildProcess[] = [];
  const urls: string[] = [];

  before(async () => {
    pg = await startPostgres();
    const dbUrl = createDatabase(pg.url, `net_${randomBytes(4).toString('hex')}`);
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['test/network/fixtures/serve-network.ts', dbUrl], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      while (!/listening \d+/.test(out)) await once(child.stdout!, 'data');
      urls.push(`http://127.0.0.1:${/listening (\d+)/.exec(out)![1]}`);
    }
  });

  after(async () => {
    for (const c of children) {
      c.stdin?.end();
      if (c.exitCode === null) await once(c, 'exit');
    }
    pg?.stop();
  });

  const post = async (base: string, path: string, body: unknown): Promise<Outcome> => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'x-auth-token': 'admin', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Outcome['body'] };
  };

  test('exactly 150 succeed with unique addresses; 50 IpAddressGenerationFailure', async () => {
    const n = await post(urls[0]!, '/v2.0/networks', { network: { name: 'race' } });
    const networkId = (n.body as unknown as { network: { id: string } }).network.id;
    const s = await post(urls[1]!, '/v2.0/subnets', {
      subnet: { network_id: networkId, ip_version: 4, ...SUBNET },
    });
    assert.equal(s.status, 201);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(urls[i % 2]!, '/v2.0/ports', { port: { network_id: networkId } }),
      ),
    );
    check(outcomes);
  });

  test('the port quota holds under concurrency across processes', async () => {
    const put = await fetch(`${urls[0]}/v2.0/quotas/quota-project`, {
      method: 'PUT',
      headers: { 'x-auth-token': 'admin', 'content-type': 'application/json' },
      body: JSON.stringify({ quota: { port: 10 } }),
    });
    assert.equal(put.status, 200);
    const nets: string[] = [];
    for (let i = 0; i < 2; i++) {
      const n = await post(urls[i]!, '/v2.0/networks', { network: { name: `q${i}` } });
      nets.push((n.body as unknown as { network: { id: string } }).network.id);
    }
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(urls[i % 2]!, '/v2.0/ports', { port: { network_id: nets[i % 2], project_id: 'quota-project' } }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 201).length, 10);
    const refused = outcomes.filter((o) => o.status !== 201);
    assert.equal(refused.length, 20);
    for (const o of refused) assert.equal(o.body.NeutronError?.type, 'OverQuota');
  });
});
