// The composition root of the seed: one process, one database, the chosen services each on its own port,
// and the clients of services that run elsewhere (serviceUrls) reached over HTTP.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { EndpointRegistration, IdentityAdmin } from '../identity/client.ts';
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
import type { AuthContext, TokenValidator } from '../platform/policy/auth-context.ts';
import {
  type Caller,
  type RunningService,
  type ServiceDefinition,
  TOKEN_AUTHORITY,
} from '../platform/service.ts';
import { noServiceUser, PasswordTokenSource, type TokenSource } from '../platform/service-auth.ts';
import { Leases } from '../platform/work/leases.ts';
import { platformMigrations } from '../platform/work/migrations.ts';
import { ClientRegistry } from './clients.ts';
import { needsOf, startOrder } from './order.ts';
import { serviceCredentialsPath, serviceLogin, servicesWithUsers } from './service-credentials.ts';
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
  /** keystone-manage's operations, when this process serves identity. */
  identity: IdentityAdmin | undefined;
  /** The identity service's base URL, here or elsewhere. */
  identityUrl: string | undefined;
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
  built: { definition: ServiceDefinition; running: RunningService; caller: Caller }[];
  clients: ClientRegistry;
  urls: Map<string, string>;
  /** The identity service's base URL: where this process serves it, or where it was configured. */
  identityUrl(): string | undefined;
  /** Validates tokens for a service's HTTP app through the identity client it was given. */
  tokensFor(caller: Caller): TokenValidator;
  /** Stops workers (newest first), then closes the database. */
  close(): Promise<void>;
}

/** Opens the state and creates the services in start order, without serving them. */
export async function buildServices(
  config: SeedConfig,
  log: Logger,
  defs: readonly ServiceDefinition[] = ALL_SERVICES,
): Promise<BuiltServices> {
  const elsewhere = new Set(Object.keys(config.serviceUrls));
  const ordered = startOrder(defs, config.services, elsewhere);
  const served = new Set(ordered.map((d) => d.name));
  const clients = new ClientRegistry(defs, config.serviceUrls, config.settings);
  for (const def of ordered) {
    for (const need of needsOf(def)) {
      const why = clients.unreachable(need, served);
      if (why) throw new Error(`cannot start ${def.name}: ${why}`);
    }
  }
  const credentials = serviceCredentialsPath(config);
  if (!served.has(TOKEN_AUTHORITY)) {
    // Apart from identity, each service logs in as its own user: its credentials must be at hand now.
    const url = config.serviceUrls[TOKEN_AUTHORITY]!;
    for (const def of servicesWithUsers(ordered)) serviceLogin(credentials, def.name, url, config.region);
  }
  const { db, events, leases, secrets } = await openState(config, ordered, log);
  const stopping = new AbortController();
  const ctx: Ctx = { log, signal: stopping.signal };
  const urls = new Map<string, string>();
  const identityUrl = () => urls.get(TOKEN_AUTHORITY) ?? config.serviceUrls[TOKEN_AUTHORITY];
  const withUsers = new Set(servicesWithUsers(defs).map((d) => d.name));
  const serviceAuth = (name: string): TokenSource => {
    if (!withUsers.has(name)) return noServiceUser(name, 'it validates tokens itself');
    return new PasswordTokenSource(() => {
      const url = identityUrl();
      if (!url) throw new Error('the identity service is not reachable from this process');
      return serviceLogin(credentials, name, url, config.region);
    });
  };
  const tokensFor = (caller: Caller): TokenValidator => ({
    // Resolved per request: identity's own client exists only once identity is created.
    validate: (token: string): Promise<AuthContext> =>
      clients.get(TOKEN_AUTHORITY, caller).tokens.validate(token),
  });
  const built: BuiltServices['built'] = [];
  const close = async () => {
    stopping.abort();
    for (const b of [...built].reverse())
      await b.running.stop?.().catch((e) => log.error({ err: e }, 'stop'));
    await db.close();
  };
  try {
    for (const def of ordered) {
      const serviceCtx: Ctx = { log: log.child({ service: def.name }), signal: stopping.signal };
      const caller: Caller = { service: def.name, ctx: serviceCtx, auth: serviceAuth(def.name) };
      const running = await def.create({
        ctx: serviceCtx,
        db,
        events,
        leases,
        secrets,
        stateDir: config.stateDir,
        settings: config.settings[def.name] ?? {},
        tokens: tokensFor(caller),
        clients: clients.for(caller, needsOf(def)),
        serviceAuth: caller.auth,
        urls,
      });
      clients.addLocal(def.name, running.client);
      built.push({ definition: def, running, caller });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { db, ctx, built, clients, urls, identityUrl, tokensFor, close };
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

/** The services configured as running elsewhere, at their URLs: the identity process lists them too. */
export function remoteServices(
  config: SeedConfig,
  defs: readonly ServiceDefinition[],
  servedHere: ReadonlySet<string>,
): { definition: ServiceDefinition; url: string }[] {
  return defs
    .filter((d) => config.serviceUrls[d.name] !== undefined && !servedHere.has(d.name))
    .map((definition) => ({ definition, url: config.serviceUrls[definition.name]! }));
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
    for (const { definition, running, caller } of b.built) {
      const app = createServiceApp({
        name: definition.name,
        log,
        render: running.render,
        tokens: b.tokensFor(caller),
        bodyLimit: definition.bodyLimit,
        rewriteUrl: definition.rewriteUrl,
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
    // The catalog is kept where identity runs: this process's services, and those configured elsewhere.
    const servedHere = new Set(served.map((s) => s.name));
    const identityAdmin = b.clients.local(TOKEN_AUTHORITY)?.admin;
    await identityAdmin?.registerEndpoints(
      b.ctx,
      catalogEntries(config, [...served, ...remoteServices(config, defs, servedHere)]),
    );
    for (const s of served) await s.running.start?.(b.ctx);
    return {
      services: served,
      db: b.db,
      identity: identityAdmin,
      identityUrl: b.identityUrl(),
      ctx: b.ctx,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
