// Authenticates a tool of ours the way the openstack CLI does: OS_* variables or clouds.yaml (OS_CLOUD),
// password auth against Keystone v3, then endpoints from the token's catalog (interface and region).
import { findCloud, type YamlValue } from './clouds-yaml.ts';
import type { Ctx } from './context.ts';

export interface OsCredentials {
  authUrl: string;
  username?: string;
  userId?: string;
  password: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  regionName?: string;
  interface: string;
}

export interface OsSession {
  token: string;
  projectId: string | undefined;
  userId: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
  /** The catalog URL of a service type, without a trailing slash; throws if the catalog has none. */
  endpoint(type: string): string;
}

/** Credentials from OS_CLOUD's clouds.yaml entry, overridden by OS_* variables, as the CLI merges them. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, cwd?: string): OsCredentials {
  const cloud = env.OS_CLOUD ? findCloud(env.OS_CLOUD, env, cwd) : {};
  const auth = (typeof cloud.auth === 'object' && cloud.auth ? cloud.auth : {}) as Record<string, YamlValue>;
  const pick = (envName: string, ...vals: (YamlValue | undefined)[]): string | undefined => {
    const v = env[envName] ?? vals.find((x) => x !== undefined && x !== null);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const authUrl = pick('OS_AUTH_URL', auth.auth_url);
  const password = pick('OS_PASSWORD', auth.password);
  if (!authUrl)
    throw new Error('no OS_AUTH_URL (or OS_CLOUD with auth.auth_url): source your credentials first');
  if (!password) throw new Error('no OS_PASSWORD (or auth.password in clouds.yaml)');
  const out: OsCredentials = {
    authUrl,
    password,
    interface: pick('OS_INTERFACE', cloud.interface) ?? 'public',
  };
  const set = (k: keyof OsCredentials, v: string | undefined) => {
    if (v !== undefined) (out as unknown as Record<string, string>)[k] = v;
  };
  set('username', pick('OS_USERNAME', auth.username));
  set('userId', pick('OS_USER_ID', auth.user_id));
  set('projectName', pick('OS_PROJECT_NAME', auth.project_name, env.OS_TENANT_NAME));
  set('projectId', pick('OS_PROJECT_ID', auth.project_id, env.OS_TENANT_ID));
  set('userDomainName', pick('OS_USER_DOMAIN_NAME', auth.user_domain_name));
  set('userDomainId', pick('OS_USER_DOMAIN_ID', auth.user_domain_id));
  set('projectDomainName', pick('OS_PROJECT_DOMAIN_NAME', auth.project_domain_name));
  set('projectDomainId', pick('OS_PROJECT_DOMAIN_ID', auth.project_domain_id));
  set('regionName', pick('OS_REGION_NAME', cloud.region_name));
  if (!out.username && !out.userId) throw new Error('no OS_USERNAME or OS_USER_ID');
  return out;
}

/** Keystone v3 URL from an auth URL given with or without its version. */
export function identityV3(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(u) ? u : `${u}/v3`;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

export async function authenticate(ctx: Ctx, c: OsCredentials): Promise<OsSession> {
  const domain = (name?: string, id?: string) => (id ? { id } : { name: name ?? 'Default' });
  const user = c.userId
    ? { id: c.userId }
    : { name: c.username, domain: domain(c.userDomainName, c.userDomainId) };
  const scope =
    c.projectId || c.projectName
      ? {
          project: c.projectId
            ? { id: c.projectId }
            : { name: c.projectName, domain: domain(c.projectDomainName, c.projectDomainId) },
        }
      : undefined;
  const res = await fetch(`${identityV3(c.authUrl)}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { ...user, password: c.password } } },
        ...(scope ? { scope } : {}),
      },
    }),
    signal: ctx.signal,
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) {
    const text = await res.text();
    throw new Error(`authentication failed at ${c.authUrl}: ${res.status} ${text.slice(0, 300)}`);
  }
  const body = (await res.json()) as {
    token: {
      user: { id: string };
      project?: { id: string };
      expires_at: string;
      catalog?: CatalogEntry[];
    };
  };
  const catalog = body.token.catalog ?? [];
  return {
    token,
    userId: body.token.user.id,
    projectId: body.token.project?.id,
    expiresAt: Date.parse(body.token.expires_at),
    endpoint(type: string) {
      const svc = catalog.find((e) => e.type === type);
      const ep = svc?.endpoints.find(
        (e) => e.interface === c.interface && (!c.regionName || (e.region_id ?? e.region) === c.regionName),
      );
      if (!ep)
        throw new Error(
          `no ${c.interface} ${type} endpoint${c.regionName ? ` in ${c.regionName}` : ''} in the catalog`,
        );
      return ep.url.replace(/\/+$/, '');
    },
  };
}
