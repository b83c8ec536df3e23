// The in-process IdentityClient: token validation and keystone-manage's work on the identity core.
import type { Ctx } from '../platform/context.ts';
import type { AuthContext, TokenValidator } from '../platform/policy/auth-context.ts';
import { bootstrap, ensureServiceUsers } from './bootstrap.ts';
import { registerEndpoints } from './catalog.ts';
import type {
  BootstrapOptions,
  EndpointRegistration,
  IdentityAdmin,
  IdentityClient,
  ServiceUser,
} from './client.ts';
import type { IdentityCore } from './core.ts';
import { HttpIdentityDirectory, type IdentityDirectory } from './directory-client.ts';

export class LocalIdentityClient implements IdentityClient, IdentityAdmin {
  readonly tokens: TokenValidator;
  readonly admin: IdentityAdmin = this;
  // Over this process's own identity URL: Keystone's API is where policy and cascades live.
  readonly directory: IdentityDirectory;
  readonly #core: IdentityCore;
  readonly #identityUrl: () => string | undefined;

  constructor(core: IdentityCore, identityUrl: () => string | undefined) {
    this.#core = core;
    this.#identityUrl = identityUrl;
    this.tokens = { validate: (token: string): Promise<AuthContext> => core.validate(token) };
    this.directory = new HttpIdentityDirectory(identityUrl);
  }

  async bootstrap(ctx: Ctx, opts: BootstrapOptions): Promise<void> {
    const url = this.#identityUrl();
    await bootstrap(this.#core, { ...opts, ...(url ? { identityUrl: `${url}/v3` } : {}) });
    ctx.log.info(
      { user: opts.adminUsername ?? 'admin', project: opts.projectName ?? 'admin' },
      'identity bootstrapped',
    );
  }

  async ensureServiceUsers(ctx: Ctx, users: readonly ServiceUser[]): Promise<void> {
    if (users.length === 0) return;
    await ensureServiceUsers(this.#core, users);
    ctx.log.info({ users: users.map((u) => u.name) }, 'service users ready');
  }

  async registerEndpoints(ctx: Ctx, entries: readonly EndpointRegistration[]): Promise<void> {
    if (entries.length === 0) return;
    await registerEndpoints(this.#core, entries);
    ctx.log.debug({ services: entries.map((e) => e.type) }, 'catalog registered');
  }
}
