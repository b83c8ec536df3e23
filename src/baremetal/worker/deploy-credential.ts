// The credential the agent fetches image data with: not this service's own token, but a token of an
// application credential made for one node's deploy, expiring with that deploy's wait timeout and deleted
// (which revokes its tokens) as soon as the deploy ends. A leaked agent command thus opens nothing later.
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { TokenValidator } from '../../platform/policy/auth-context.ts';
import type { TokenSource } from '../../platform/service-auth.ts';

export interface DeployCredential {
  token: string;
  /** `<user id>/<application credential id>`, what release() needs. */
  ref: string;
}

export interface DeployCredentials {
  issue(ctx: Ctx, nodeUuid: string, ttlS: number): Promise<DeployCredential>;
  release(ctx: Ctx, ref: string): Promise<void>;
}

async function call(ctx: Ctx, url: string, method: string, token: string | undefined, body?: unknown) {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(30_000)]),
    headers: {
      accept: 'application/json',
      ...(token ? { 'x-auth-token': token } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300 && !(method === 'DELETE' && res.status === 404))
    throw new Error(
      `identity ${method} ${new URL(url).pathname}: ${res.status} ${(await res.text()).slice(0, 300)}`,
    );
  return res;
}

/** Deploy credentials through the identity service's v3 API at `identityUrl` (no /v3). */
export function identityDeployCredentials(
  identityUrl: () => string,
  own: TokenSource,
  tokens: TokenValidator,
): DeployCredentials {
  const v3 = () => `${identityUrl().replace(/\/+$/, '')}/v3`;
  return {
    async issue(ctx, nodeUuid, ttlS) {
      const mine = await own.token(ctx);
      const me = await tokens.validate(mine);
      const secret = randomBytes(32).toString('base64url');
      const made = await call(ctx, `${v3()}/users/${me.userId}/application_credentials`, 'POST', mine, {
        application_credential: {
          name: `baremetal-deploy-${nodeUuid}-${randomBytes(4).toString('hex')}`,
          description: `image download for the deploy of bare metal node ${nodeUuid}`,
          secret,
          expires_at: new Date(Date.now() + ttlS * 1000).toISOString(),
        },
      });
      const id = ((await made.json()) as { application_credential: { id: string } }).application_credential
        .id;
      const auth = await call(ctx, `${v3()}/auth/tokens?nocatalog`, 'POST', undefined, {
        auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } },
      });
      const token = auth.headers.get('x-subject-token');
      if (!token) throw new Error('identity issued no token for the deploy credential');
      return { token, ref: `${me.userId}/${id}` };
    },
    async release(ctx, ref) {
      const [user, id] = ref.split('/');
      await call(ctx, `${v3()}/users/${user}/application_credentials/${id}`, 'DELETE', await own.token(ctx));
    },
  };
}
