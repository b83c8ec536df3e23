// A service's own token, as keystoneauth's session gives one to an OpenStack service: log in with the
// service user's password on first use, keep the token, log in again shortly before it expires or when a
// peer refused it. Concurrent callers share one login.
import type { Ctx } from './context.ts';
import { AppError } from './errors/catalogue.ts';
import { authenticate, type OsCredentials } from './openstack-auth.ts';

/** Gives a token to put in X-Auth-Token (or X-Service-Token). */
export interface TokenSource {
  token(ctx: Ctx): Promise<string>;
  /** The token was refused (401): forget it, so the next call logs in again. */
  invalidate(token: string): void;
}

/** A fixed token, e.g. a user's own token passed on to another service. */
export function fixedToken(token: string): TokenSource {
  return { token: async () => token, invalidate: () => undefined };
}

/** Renew when less than this share of the token's life, or less than a minute, remains. */
const RENEW_SHARE = 0.1;
const RENEW_MIN_MS = 60_000;

export class PasswordTokenSource implements TokenSource {
  readonly #creds: () => OsCredentials;
  readonly #now: () => number;
  #current: { token: string; issuedAt: number; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  /** `creds` is read at each login: the identity URL may be known only once this process listens. */
  constructor(creds: () => OsCredentials, now: () => number = Date.now) {
    this.#creds = creds;
    this.#now = now;
  }

  async token(ctx: Ctx): Promise<string> {
    const c = this.#current;
    const now = this.#now();
    if (c) {
      const margin = Math.min(RENEW_MIN_MS, (c.expiresAt - c.issuedAt) * RENEW_SHARE);
      if (now < c.expiresAt - margin) return c.token;
    }
    this.#pending ??= this.#login(ctx).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #login(ctx: Ctx): Promise<string> {
    let creds: OsCredentials;
    try {
      creds = this.#creds();
    } catch (e) {
      throw new AppError('UNAVAILABLE', `No service credentials: ${(e as Error).message}`, { cause: e });
    }
    const issuedAt = this.#now();
    let session: Awaited<ReturnType<typeof authenticate>>;
    try {
      session = await authenticate(ctx, creds);
    } catch (e) {
      throw new AppError('UNAVAILABLE', `The service user ${creds.username} cannot log in to identity.`, {
        cause: e,
      });
    }
    this.#current = { token: session.token, issuedAt, expiresAt: session.expiresAt };
    ctx.log.debug({ user: creds.username }, 'service token issued');
    return session.token;
  }
}

/** For a service with no service user (it calls nobody): refuses with the reason. */
export function noServiceUser(service: string, why: string): TokenSource {
  return {
    token: () =>
      Promise.reject(new AppError('UNAVAILABLE', `The ${service} service has no service user: ${why}`)),
    invalidate: () => undefined,
  };
}
