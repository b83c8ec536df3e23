// The in-process IdentityClient the seed hands to every other service.
import type { Ctx } from '../platform/context.ts';
import type { AuthContext, TokenValidator } from '../platform/policy/auth-context.ts';
import { bootstrap } from './bootstrap.ts';
import { registerEndpoints } from './catalog.ts';
import type { BootstrapOptions, EndpointRegistration, IdentityClient } from './client.ts';
import type { IdentityCore } from './core.ts';

export class LocalIdentityClient implements IdentityClient {
  readonly tokens: TokenValidator;
  readonly #core: IdentityCore;
  readonly #identityUrl: () => string | undefined;

  constructor(core: IdentityCore, identityUrl: () => string | undefined) {
    this.#core = core;
    this.#identityUrl = identityUrl;
    this.tokens = { validate: (token: string): Promise<AuthContext> => core.validate(token) };
  }

  async bootstrap(ctx: Ctx, opts: BootstrapOptions): Promise<void> {
    const url = this.#identityUrl();
    await bootstrap(this.#core, { ...opts, ...(url ? { identityUrl: `${url}/v3` } : {}) });
    ctx.log.info(
      { user: opts.adminUsername ?? 'admin', project: opts.projectName ?? 'admin' },
      'identity bootstrapped',
    );
  }

  async registerEndpoints(ctx: Ctx, entries: readonly EndpointRegistration[]): Promise<void> {
    if (entries.length === 0) return;
    await registerEndpoints(this.#core, entries);
    ctx.log.debug({ services: entries.map((e) => e.type) }, 'catalog registered');
  }
}
