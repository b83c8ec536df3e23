// The identity service's client: what the seed and the other services use. In the all-in-one seed it is
// in-process; a split deployment reaches the same operations over Keystone's REST API.
import type { Ctx } from '../platform/context.ts';
import type { TokenValidator } from '../platform/policy/auth-context.ts';

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

export interface IdentityClient {
  /** Validates X-Auth-Token values for every service; never writes to the database. */
  readonly tokens: TokenValidator;
  /** keystone-manage bootstrap: the default domain, admin/member/reader/service roles, the admin project
   * and user with the admin role. Idempotent; resets the admin password when it differs. */
  bootstrap(ctx: Ctx, opts: BootstrapOptions): Promise<void>;
  /** Creates or updates each service's catalog entry and its public/internal/admin endpoints. */
  registerEndpoints(ctx: Ctx, entries: readonly EndpointRegistration[]): Promise<void>;
}
