// The bare metal service for a benchmark: a SQLite file (or BENCH_DB=postgres://…) in a temporary
// directory, fake tokens, served on 127.0.0.1 at a free port with an extra empty route on the same app
// (the reference every latency is compared with). Real HTTP through fetch, as the clients use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baremetalService } from '../../src/baremetal/index.ts';
import type { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { noServiceUser } from '../../src/platform/service-auth.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { FakeTokens } from '../../test/support/fake-tokens.ts';

export interface BenchServer {
  base: string;
  db: Database;
  conductor: Conductor;
  stateDir: string;
  /** One request as admin at microversion 1.78; throws unless the status is `expect`. */
  call(method: string, path: string, body?: unknown, expect?: number): Promise<unknown>;
  /** A GET whose body is read but not parsed: what latency measures (the server, not the client's parse). */
  get(path: string): Promise<number>;
  close(): Promise<void>;
}

export async function startBenchServer(
  settings: Record<string, unknown>,
  extra: { urls?: Map<string, string>; clients?: Record<string, unknown> } = {},
): Promise<BenchServer> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ooo-bench-bm-'));
  const db = openDatabase(process.env.BENCH_DB ?? join(stateDir, 'bench.sqlite'));
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'baremetal', baremetalService.migrations);
  const tokens = new FakeTokens();
  tokens.add('admin', { userId: 'admin', projectId: 'bench', roles: ['admin'] });
  const log = silentLogger();
  const stopping = new AbortController();
  const ctx = { log, signal: stopping.signal };
  const urls = extra.urls ?? new Map<string, string>();
  const running = await baremetalService.create({
    ctx,
    db,
    events: new EventLog(db),
    leases: new Leases(db),
    secrets: openSecretBox(stateDir),
    stateDir,
    settings,
    tokens,
    clients: {
      get(name: string) {
        const c = extra.clients?.[name];
        if (!c) throw new Error(`bench: no ${name} client`);
        return c;
      },
    } as never,
    serviceAuth: noServiceUser('bench', 'the bench calls no other service'),
    urls,
  });
  const app = createServiceApp({ name: 'baremetal', log, render: running.render, tokens });
  await running.register(app);
  app.get('/bench/empty', { config: { public: true } }, async () => ({}));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  urls.set('baremetal', base);
  await running.start?.(ctx);
  const headers = { 'x-auth-token': 'admin', 'x-openstack-ironic-api-version': '1.78' };
  return {
    base,
    db,
    conductor: (running.client as unknown as { conductor: Conductor }).conductor,
    stateDir,
    async call(method, path, body, expect) {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (expect !== undefined && r.status !== expect)
        throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async get(path) {
      const r = await fetch(`${base}${path}`, { headers });
      const bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
      return bytes;
    },
    async close() {
      stopping.abort();
      await running.stop?.();
      await app.close();
      await db.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** p50 and p99 in ms of `n` sequential runs of fn. */
export async function latency(n: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Runs fn over items with at most `width` at once. */
export async function eachLimited<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
