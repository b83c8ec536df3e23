// Builds one service for in-process API tests: a fresh database with the platform's and the service's
// migrations, a temporary state directory, fake tokens, and its Fastify app (use app.inject(), or
// listen on 127.0.0.1:0). close() removes everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { type Logger, silentLogger } from '../../src/platform/log/logger.ts';
import type { RunningService, ServiceClients, ServiceDefinition } from '../../src/platform/service.ts';
import { noServiceUser } from '../../src/platform/service-auth.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { FakeTokens } from './fake-tokens.ts';

export interface TestServiceApp {
  app: FastifyInstance;
  running: RunningService;
  db: Database;
  tokens: FakeTokens;
  stateDir: string;
  /** Headers for a request as the given fake token. */
  as(token: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startServiceApp(
  def: ServiceDefinition,
  opts: {
    databaseUrl?: string;
    settings?: Record<string, unknown>;
    /** The clients the service needs, typed by service name (e.g. { image: anImageServiceClient }). */
    clients?: Partial<ServiceClients>;
    /** Where the service logs (default: nowhere). */
    log?: Logger;
    /** Where other services answer (ServiceDeps.urls), e.g. a test's own stand-in for one. */
    urls?: Map<string, string>;
  } = {},
): Promise<TestServiceApp> {
  const stateDir = mkdtempSync(join(tmpdir(), `ooo-${def.name}-`));
  const db = openDatabase(opts.databaseUrl ?? ':memory:');
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, def.name, def.migrations);
  const tokens = new FakeTokens();
  tokens.add('admin', { userId: 'admin', projectId: 'admin-project', roles: ['admin'] });
  tokens.add('member', { userId: 'alice', projectId: 'project-a', roles: ['member'] });
  tokens.add('reader', { userId: 'rita', projectId: 'project-a', roles: ['reader'] });
  tokens.add('other', { userId: 'bob', projectId: 'project-b', roles: ['member'] });
  const stopping = new AbortController();
  const log = opts.log ?? silentLogger();
  const running = await def.create({
    ctx: { log, signal: stopping.signal },
    db,
    events: new EventLog(db),
    leases: new Leases(db),
    secrets: openSecretBox(stateDir),
    stateDir,
    settings: opts.settings ?? {},
    tokens,
    clients: {
      get(name) {
        const client = opts.clients?.[name];
        if (!client) throw new Error(`startServiceApp: no ${name} client given`);
        return client;
      },
    },
    serviceAuth: noServiceUser('test', 'a test calls no other service'),
    urls: opts.urls ?? new Map(),
  });
  const app = createServiceApp({
    name: def.name,
    log,
    render: running.render,
    tokens,
    bodyLimit: def.bodyLimit,
    rewriteUrl: def.rewriteUrl,
  });
  await running.register(app);
  await app.ready();
  await running.start?.({ log, signal: stopping.signal });
  return {
    app,
    running,
    db,
    tokens,
    stateDir,
    as: (token) => ({ 'x-auth-token': token }),
    async close() {
      stopping.abort();
      await running.stop?.();
      await app.close();
      await db.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
