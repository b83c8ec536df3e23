// Port creation benchmark: creates per second through the API, and the cost of one allocation on a /24
// versus a /16 already holding 50,000 ports. The ratio shows allocation does not grow with the subnet or
// with the number of addresses in use (free-range bookkeeping, no scan). SQLite file in a temporary dir.
// Run: node_modules/.bin/node bench/network/ports.ts [ports-in-the-/16]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetworkClient } from '../../src/network/client.ts';
import { networkService } from '../../src/network/index.ts';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { noServiceUser } from '../../src/platform/service-auth.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { FakeTokens } from '../../test/support/fake-tokens.ts';

const FILL = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'ooo-bench-net-'));
const db = openDatabase(process.env.BENCH_DB ?? join(dir, 'bench.sqlite'));
try {
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'network', networkService.migrations);
  const tokens = new FakeTokens();
  tokens.add('admin', { userId: 'admin', projectId: 'bench', roles: ['admin'] });
  const log = silentLogger();
  const ctx = { log, signal: new AbortController().signal };
  const running = await networkService.create({
    ctx,
    db,
    events: new EventLog(db),
    leases: new Leases(db),
    secrets: openSecretBox(dir),
    stateDir: dir,
    // Unlimited ports: the quota check counts the project's ports, which is not what this measures.
    settings: { quota: { port: -1 } },
    tokens,
    clients: new Map(),
    serviceAuth: noServiceUser('test', 'a test calls no other service'),
    urls: new Map(),
  });
  const client = running.client as NetworkClient;
  const app = createServiceApp({ name: 'network', log, render: running.render, tokens });
  await running.register(app);
  await app.ready();
  const post = async (url: string, payload: object) => {
    const r = await app.inject({ method: 'POST', url, headers: { 'x-auth-token': 'admin' }, payload });
    if (r.statusCode !== 201) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const network = async (cidr: string) => {
    const n = await post('/v2.0/networks', { network: { name: cidr } });
    await post('/v2.0/subnets', { subnet: { network_id: n.network.id, ip_version: 4, cidr } });
    return n.network.id as string;
  };

  // 1. Creates per second through the HTTP API (in-process inject), one at a time and 16 in flight.
  const apiNet = await network('10.1.0.0/20');
  const rate = async (count: number, inFlight: number) => {
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < count) await post('/v2.0/ports', { port: { network_id: apiNet } });
      }),
    );
    return count / ((performance.now() - start) / 1000);
  };
  const serial = await rate(1000, 1);
  const parallel = await rate(1000, 16);

  // 2. One allocation on a /24 versus a /16 holding FILL ports (store level: the same code the API runs).
  const small = await network('10.2.0.0/24');
  const big = await network('10.3.0.0/16');
  const fillStart = performance.now();
  for (let i = 0; i < FILL; i++) await client.createPort(ctx, { network_id: big, project_id: 'bench' });
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const perPort = async (networkId: string, n: number) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await client.createPort(ctx, { network_id: networkId, project_id: 'bench' });
    return (performance.now() - start) / n;
  };
  const SAMPLE = 200;
  const onSmall = await perPort(small, SAMPLE);
  const onBig = await perPort(big, SAMPLE);

  const fmt = (n: number, d = 0) => n.toFixed(d);
  console.log(`port create via API, 1 in flight:   ${fmt(serial)} ports/s`);
  console.log(`port create via API, 16 in flight:  ${fmt(parallel)} ports/s`);
  console.log(`filled a /16 with ${FILL} ports:    ${fmt(FILL / fillSeconds)} ports/s`);
  console.log(`allocation on a /24 (empty):        ${fmt(onSmall, 3)} ms/port (${SAMPLE} ports)`);
  console.log(`allocation on a /16 (${FILL} used): ${fmt(onBig, 3)} ms/port (${SAMPLE} ports)`);
  console.log(
    `ratio /16 : /24 = ${(onBig / onSmall).toFixed(2)}  (1.0 = allocation independent of size and use)`,
  );
  await app.close();
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
