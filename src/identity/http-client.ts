// The IdentityClient of a process that does not serve identity: tokens are validated at the remote identity
// service (GET /v3/auth/tokens with X-Subject-Token, authenticated with the caller's own service token, as
// keystonemiddleware does), behind a bounded cache (model/token-cache.ts). Concurrent checks of one token
// share one request.
import { childCtx } from '../platform/context.ts';
import { AppError, unauthorized } from '../platform/errors/catalogue.ts';
import type { AuthContext, TokenValidator } from '../platform/policy/auth-context.ts';
import type { Caller } from '../platform/service.ts';
import type { IdentityClient } from './client.ts';
import { HttpIdentityDirectory, type IdentityDirectory } from './directory-client.ts';
import { TokenCache, type TokenCacheSettings } from './model/token-cache.ts';

const VALIDATE_TIMEOUT_MS = 10_000;

export class HttpIdentityClient implements IdentityClient {
  readonly tokens: RemoteTokenValidator;
  readonly admin = undefined;
  readonly directory: IdentityDirectory;

  /** `url` is the identity service's base URL (with or without /v3). */
  constructor(url: string, caller: Caller, cache: TokenCacheSettings, now: () => number = Date.now) {
    this.tokens = new RemoteTokenValidator(url, caller, cache, now);
    this.directory = new HttpIdentityDirectory(() => url);
  }
}

interface TokenBody {
  token: {
    user: { id: string; name: string; domain: { id: string } };
    project?: { id: string; name: string; domain: { id: string } };
    domain?: { id: string };
    system?: { all?: boolean };
    roles?: { name: string }[];
    expires_at: string;
    audit_ids: string[];
  };
}

export class RemoteTokenValidator implements TokenValidator {
  readonly cache: TokenCache<AuthContext>;
  readonly #v3: string;
  readonly #caller: Caller;
  readonly #now: () => number;
  readonly #pending = new Map<string, Promise<AuthContext>>();

  constructor(url: string, caller: Caller, cache: TokenCacheSettings, now: () => number) {
    const base = url.replace(/\/+$/, '');
    this.#v3 = /\/v3$/.test(base) ? base : `${base}/v3`;
    this.#caller = caller;
    this.#now = now;
    this.cache = new TokenCache(cache);
  }

  async validate(token: string): Promise<AuthContext> {
    const now = this.#now();
    const hit = this.cache.get(token, now);
    if (hit?.valid) return hit.value;
    if (hit) throw unauthorized();
    let pending = this.#pending.get(token);
    if (!pending) {
      pending = this.#ask(token).finally(() => this.#pending.delete(token));
      this.#pending.set(token, pending);
    }
    return pending;
  }

  async #ask(token: string): Promise<AuthContext> {
    const asked = this.#now();
    let res = await this.#get(token);
    if (res.status === 401) res = await this.#get(token); // our own token expired or was revoked: once more
    if (res.status === 200) {
      const ctx = authContextOf(token, (await res.json()) as TokenBody);
      this.cache.putValid(token, ctx, ctx.expiresAt, asked);
      if (ctx.expiresAt <= this.#now()) throw unauthorized();
      return ctx;
    }
    const text = await res.text();
    if (res.status === 404) {
      this.cache.putInvalid(token, asked);
      throw unauthorized();
    }
    this.#caller.ctx.log.error(
      { status: res.status, body: text.slice(0, 300), identity: this.#v3 },
      'identity refused to validate a token',
    );
    throw new AppError(
      'UNAVAILABLE',
      res.status === 401 || res.status === 403
        ? `The identity service refused the ${this.#caller.service} service's credentials.`
        : 'The identity service could not validate the token.',
    );
  }

  async #get(token: string): Promise<Response> {
    const ctx = childCtx(this.#caller.ctx, {}, AbortSignal.timeout(VALIDATE_TIMEOUT_MS));
    const serviceToken = await this.#caller.auth.token(ctx);
    try {
      const res = await fetch(`${this.#v3}/auth/tokens?nocatalog`, {
        headers: { accept: 'application/json', 'x-auth-token': serviceToken, 'x-subject-token': token },
        signal: ctx.signal,
      });
      if (res.status === 401) this.#caller.auth.invalidate(serviceToken);
      return res;
    } catch (e) {
      throw new AppError('UNAVAILABLE', `The identity service at ${this.#v3} does not answer.`, { cause: e });
    }
  }
}

function authContextOf(tokenId: string, body: TokenBody): AuthContext {
  const t = body.token;
  return {
    tokenId,
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    ...(t.project
      ? { projectId: t.project.id, projectName: t.project.name, projectDomainId: t.project.domain.id }
      : {}),
    ...(t.domain ? { domainId: t.domain.id } : {}),
    ...(t.system?.all ? { system: true } : {}),
    roles: (t.roles ?? []).map((r) => r.name),
    expiresAt: Date.parse(t.expires_at),
    auditIds: t.audit_ids,
  };
}
