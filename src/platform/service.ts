// A service as a plugin: what it needs (its migrations, its dependencies' clients), what it registers
// (routes, catalog entries) and what it offers others (its client). The composition root (src/seed/)
// builds the graph; nothing here reads configuration or the environment.
import type { FastifyInstance } from 'fastify';
import type { Ctx } from './context.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Migration } from './db/migrate.ts';
import type { Database } from './db/types.ts';
import type { EventLog } from './events/event-log.ts';
import type { ErrorRenderer } from './http/server.ts';
import type { TokenValidator } from './policy/auth-context.ts';
import type { Leases } from './work/leases.ts';

/** How a service appears in the identity catalog. `path` is appended to http://host:port. */
export interface CatalogEntry {
  type: string;
  name: string;
  /** e.g. "/v2.1", or "/v1/%(project_id)s" which clients substitute with the token's project. */
  path: string;
}

export interface ServiceDeps {
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
  /** Token validation through the identity service's client. */
  tokens: TokenValidator;
  /** Clients of the services started before this one, by service name. */
  clients: ReadonlyMap<string, unknown>;
  /** Where this process serves each service, once listening (filled in before start()). */
  urls: ReadonlyMap<string, string>;
}

export interface RunningService {
  /** Adds the routes to this service's own HTTP app. */
  register(app: FastifyInstance): void | Promise<void>;
  render: ErrorRenderer;
  /** The in-process client other services receive through ServiceDeps.clients. */
  client?: unknown;
  /** Background workers start once every service listens; they stop before the database closes. */
  start?(ctx: Ctx): Promise<void>;
  stop?(): Promise<void>;
}

export interface ServiceDefinition {
  name: string;
  defaultPort: number;
  catalog: CatalogEntry[];
  migrations: Migration[];
  /** Other services whose clients this one needs (started first). */
  needs?: string[];
  bodyLimit?: number;
  create(deps: ServiceDeps): RunningService | Promise<RunningService>;
}
