// The identity service's client: what the seed and the other services use. In-process (LocalIdentityClient)
// it calls the identity core; over HTTP (HttpIdentityClient) it validates tokens through Keystone's REST API
// with the caller's service token. Both offer the same interface; the keystone-manage operations exist only
// where the identity database is, so `admin` is absent over HTTP.
import type { Ctx } from '../platform/context.ts';
import type { TokenValidator } from '../platform/policy/auth-context.ts';
import type { IdentityDirectory } from './directory-client.ts';

export interface EndpointRegistration {
  /** Catalog type, e.g. "image". */
  type: string;
  /** Service name, e.g. "glance". */
  name: string;
  /** The URL for all three interfaces (public, internal, admin). */
  url: string;
  region: string;
}

export interface BootstrapOptions {
  adminPassword: string;
  adminUsername?: string;
  projectName?: string;
  region: string;
}

/** A service's own user: in the `service` project with the `service` role. */
export interface ServiceUser {
  name: string;
  password: string;
}

/** keystone-manage's work: runs in the process that serves identity, on its database. */
export interface IdentityAdmin {
  /** keystone-manage bootstrap: the default domain, admin/member/reader/service roles, the admin and
   * service projects, the admin user with the admin role. Idempotent; resets the admin password when it
   * differs. */
  bootstrap(ctx: Ctx, opts: BootstrapOptions): Promise<void>;
  /** Creates each service user (or resets its password when it differs) with the `service` role on the
   * `service` project. Idempotent. */
  ensureServiceUsers(ctx: Ctx, users: readonly ServiceUser[]): Promise<void>;
  /** Creates or updates each service's catalog entry and its public/internal/admin endpoints. */
  registerEndpoints(ctx: Ctx, entries: readonly EndpointRegistration[]): Promise<void>;
}

export interface IdentityClient {
  /** Validates X-Auth-Token values for every service; never writes to the database. */
  readonly tokens: TokenValidator;
  /** Projects, users, roles and grants, each call made with the token of the user it acts for. */
  readonly directory: IdentityDirectory;
  /** Present in the process that serves identity; absent over HTTP. */
  readonly admin: IdentityAdmin | undefined;
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    identity: IdentityClient;
  }
}
