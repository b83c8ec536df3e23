// The composition root of the seed: one process, one database, every service on its own port.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { EndpointRegistration, IdentityClient } from '../identity/client.ts';
import type { SeedConfig } from '../platform/config/config.ts';
import type { Ctx } from '../platform/context.ts';
import type { SecretBox } from '../platform/crypto/secret-box.ts';
import { openSecretBox } from '../platform/crypto/secret-keys.ts';
import { migrate } from '../platform/db/migrate.ts';
import { openDatabase } from '../platform/db/open.ts';
import type { Database } from '../platform/db/types.ts';
import { EventLog } from '../platform/events/event-log.ts';
import { createServiceApp } from '../platform/http/server.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { RunningService, ServiceDefinition } from '../platform/service.ts';
import { Leases } from '../platform/work/leases.ts';
import { platformMigrations } from '../platform/work/migrations.ts';
import { DeferredValidator } from './deferred-validator.ts';
import { startOrder } from './order.ts';
import { ALL_SERVICES } from './services.ts';

export interface ServedService {
  name: string;
  url: string;
  port: number;
  definition: ServiceDefinition;
  running: RunningService;
  app: FastifyInstance;
}

export interface Seed {
  services: ServedService[];
  db: Database;
  identity: IdentityClient | undefined;
  ctx: Ctx;
  stop(): Promise<void>;
}

export function databaseUrl(config: SeedConfig): string {
  return config.databaseUrl || join(config.stateDir, 'ooo.sqlite');
}

export function servicePort(config: SeedConfig, def: ServiceDefinition): number {
  return config.ports[def.name] ?? def.defaultPort + config.portOffset;
}

/** Opens the database and applies every migration of the platform and of the given services. */
export async function openState(
  config: SeedConfig,
  defs: readonly ServiceDefinition[],
  log?: Logger,
): Promise<{ db: Database; events: EventLog; leases: Leases; secrets: SecretBox }> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const secrets = openSecretBox(config.stateDir);
  const db = openDatabase(
    databaseUrl(config),
    log ? { onError: (err, where) => log.warn({ err, where }, 'database connection lost; recovering') } : {},
  );
  try {
    await migrate(db, 'platform', platformMigrations);
    for (const def of defs) await migrate(db, def.name, def.migrations);
  } catch (e) {
    await db.close();
    throw e;
  }
  return { db, events: new EventLog(db), leases: new Leases(db), secrets };
}

export interface BuiltServices {
  db: Database;
  ctx: Ctx;
  built: { definition: ServiceDefinition; running: RunningService }[];
  tokens: DeferredValidator;
  clients: Map<string, unknown>;
  urls: Map<string, string>;
  /** Stops workers (newest first), then closes the database. */
  close(): Promise<void>;
}

/** Opens the state and creates the services in start order, without serving them. */
export async function buildServices(
  config: SeedConfig,
  log: Logger,
  defs: readonly ServiceDefinition[] = ALL_SERVICES,
): Promise<BuiltServices> {
  const ordered = startOrder(defs, config.services);
  const { db, events, leases, secrets } = await openState(config, ordered, log);
  const stopping = new AbortController();
  const ctx: Ctx = { log, signal: stopping.signal };
  const tokens = new DeferredValidator();
  const clients = new Map<string, unknown>();
  const urls = new Map<string, string>();
  const built: BuiltServices['built'] = [];
  const close = async () => {
    stopping.abort();
    for (const b of [...built].reverse())
      await b.running.stop?.().catch((e) => log.error({ err: e }, 'stop'));
    await db.close();
  };
  try {
    for (const def of ordered) {
      const running = await def.create({
        ctx: { log: log.child({ service: def.name }), signal: stopping.signal },
        db,
        events,
        leases,
        secrets,
        stateDir: config.stateDir,
        settings: config.settings[def.name] ?? {},
        tokens,
        clients,
        urls,
      });
      if (running.client !== undefined) clients.set(def.name, running.client);
      if (def.name === 'identity') tokens.bind((running.client as IdentityClient).tokens);
      built.push({ definition: def, running });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { db, ctx, built, tokens, clients, urls, close };
}

/** The catalog entries of the given services at the given base URLs. */
export function catalogEntries(
  config: SeedConfig,
  services: readonly { definition: ServiceDefinition; url: string }[],
): EndpointRegistration[] {
  return services.flatMap((s) =>
    s.definition.catalog.map((c) => ({
      type: c.type,
      name: c.name,
      url: s.url + c.path,
      region: config.region,
    })),
  );
}

export function serviceUrl(config: SeedConfig, port: number): string {
  return `http://${urlHost(config.host)}:${port}`;
}

export async function startSeed(
  config: SeedConfig,
  log: Logger,
  defs: readonly ServiceDefinition[] = ALL_SERVICES,
): Promise<Seed> {
  const b = await buildServices(config, log, defs);
  const served: ServedService[] = [];
  const stop = async () => {
    await Promise.all(served.map((s) => s.app.close()));
    await b.close();
  };
  try {
    for (const { definition, running } of b.built) {
      const app = createServiceApp({
        name: definition.name,
        log,
        render: running.render,
        tokens: b.tokens,
        bodyLimit: definition.bodyLimit,
      });
      await running.register(app);
      served.push({ name: definition.name, url: '', port: 0, definition, running, app });
    }
    for (const s of served) {
      await s.app.listen({ host: config.host, port: servicePort(config, s.definition) });
      const address = s.app.server.address();
      s.port = typeof address === 'object' && address ? address.port : 0;
      s.url = serviceUrl(config, s.port);
      b.urls.set(s.name, s.url);
    }
    const identity = b.clients.get('identity') as IdentityClient | undefined;
    await identity?.registerEndpoints(b.ctx, catalogEntries(config, served));
    for (const s of served) await s.running.start?.(b.ctx);
    return { services: served, db: b.db, identity, ctx: b.ctx, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
