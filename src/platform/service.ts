// A service as a plugin: what it needs (its migrations, the clients of other services), what it registers
// (routes, catalog entries) and what it offers others (its client, in-process and over HTTP). The
// composition root (src/seed/) builds the graph; nothing here reads configuration or the environment.
import type { FastifyInstance } from 'fastify';
import type { Ctx } from './context.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Migration } from './db/migrate.ts';
import type { Database } from './db/types.ts';
import type { EventLog } from './events/event-log.ts';
import type { ErrorRenderer } from './http/server.ts';
import type { TokenValidator } from './policy/auth-context.ts';
import type { TokenSource } from './service-auth.ts';
import type { Leases } from './work/leases.ts';

/**
 * The typed registry of clients: service name → the type of the client it offers. Each service adds its
 * own entry next to its client, by declaration merging:
 *
 *   declare module '../platform/service.ts' { interface ServiceClients { image: ImageServiceClient } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each service's client.ts
export interface ServiceClients {}

/** The name of a service that offers a typed client. */
export type ServiceName = keyof ServiceClients & string;

/** The service that validates tokens for all the others: every other service needs its client, served in
 * the same process or reached over HTTP. */
export const TOKEN_AUTHORITY = 'identity' satisfies ServiceName;

/** The client a service of that name offers; unknown for a service not (yet) in the registry. */
export type ClientOf<N extends string> = N extends ServiceName ? ServiceClients[N] : unknown;

/** How a service appears in the identity catalog. `path` is appended to http://host:port. */
export interface CatalogEntry {
  type: string;
  name: string;
  /** e.g. "/v2.1", or "/v1/%(project_id)s" which clients substitute with the token's project. */
  path: string;
}

/** The clients a service declared in `needs`, whether those services run in this process or elsewhere. */
export interface Clients<Needs extends ServiceName = ServiceName> {
  get<K extends Needs>(name: K): ServiceClients[K];
}

/** Who calls another service: the calling service's name and its own service token. */
export interface Caller {
  service: string;
  /** The calling service's context: its logger, and the signal that stops it. */
  ctx: Ctx;
  /** Logs in as the calling service's user (in the `service` project) on first use; renews before expiry. */
  auth: TokenSource;
}

/** Where a service that runs in another process answers, and this process's settings for reaching it. */
export interface RemoteTarget {
  /** Base URL, e.g. http://10.0.0.1:9292 (no path). */
  url: string;
  /** The `settings.<service>` section of this process's configuration (e.g. identity's token cache). */
  settings: Record<string, unknown>;
}

export interface ServiceDeps<Needs extends ServiceName = ServiceName> {
  ctx: Ctx;
  db: Database;
  events: EventLog;
  leases: Leases;
  /** Seals secrets stored at rest (BMC passwords, hidden parameters) with the deployment's key ring. */
  secrets: SecretBox;
  /** The state directory: services keep files (image data, dnsmasq configs) below it. */
  stateDir: string;
  /** This service's own settings from the configuration file, if any. */
  settings: Record<string, unknown>;
  /** Token validation through the identity service's client (in-process or remote). */
  tokens: TokenValidator;
  /** The clients of the services in `needs`, typed by name. */
  clients: Clients<Needs>;
  /** This service's own token (its service user), for calls it makes as itself or on a user's behalf. */
  serviceAuth: TokenSource;
  /** Where this process serves each service, once listening (filled in before start()). */
  urls: ReadonlyMap<string, string>;
}

export interface RunningService<Client = unknown> {
  /** Adds the routes to this service's own HTTP app. */
  register(app: FastifyInstance): void | Promise<void>;
  render: ErrorRenderer;
  /** The in-process client other services of this process receive through ServiceDeps.clients. */
  client?: Client;
  /** Background workers start once every service listens; they stop before the database closes. */
  start?(ctx: Ctx): Promise<void>;
  stop?(): Promise<void>;
}

export interface ServiceDefinition<Name extends string = string, Needs extends ServiceName = ServiceName> {
  name: Name;
  defaultPort: number;
  catalog: CatalogEntry[];
  migrations: Migration[];
  /** Other services whose clients this one needs: started first in this process, unless configured as
   * running elsewhere (then reached over HTTP through `remote`). */
  needs?: readonly Needs[];
  bodyLimit?: number;
  /** Maps a request URL before routing (e.g. Ironic serves unversioned paths as its default version). */
  rewriteUrl?: (url: string) => string;
  create(deps: ServiceDeps<Needs>): RunningService<ClientOf<Name>> | Promise<RunningService<ClientOf<Name>>>;
  /** The same client over HTTP, for callers in other processes. Absent: callers must run in this
   * service's process (the composition root refuses to start them elsewhere, with that reason). */
  remote?(target: RemoteTarget, caller: Caller): ClientOf<Name>;
}
