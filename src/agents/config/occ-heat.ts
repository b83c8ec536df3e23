// The heat collector: Keystone v3 password auth (version discovery first), the orchestration
// endpoint from the catalog, then the resource's metadata from Heat; deployments exploded.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Collector, explodeDeployments, NotAvailable, NotConfigured } from './occ-collectors.ts';
import type { Conf } from './occ-config.ts';
import { request } from './occ-http.ts';
import { isDict, parseJson } from './pyjson.ts';

type Catalog = {
  type: string;
  endpoints: { interface: string; url: string; region?: string; region_id?: string }[];
}[];
type Auth = { token: string; catalog: Catalog; expires: number };

// Discovery: the unversioned endpoint lists versions; take 3.x's self link, else guess /v3.
async function v3Url(authUrl: string): Promise<string> {
  try {
    const r = await request(authUrl.replace('/v2.0', '/'), {
      checkStatus: false,
      headers: { Accept: 'application/json' },
    });
    const doc = JSON.parse(r.text) as {
      versions?: { values?: { id: string; status?: string; links?: { rel: string; href: string }[] }[] };
      version?: { id: string; links?: { rel: string; href: string }[] };
    };
    const all = doc.versions?.values ?? (doc.version ? [doc.version] : []);
    const v3 = all.find((v) => /^v3(\.|$)/.test(v.id));
    const self = v3?.links?.find((l) => l.rel === 'self')?.href;
    if (self) return self;
  } catch {}
  return authUrl.replace('/v2.0', '/v3');
}

async function authenticate(conf: Conf): Promise<Auth> {
  const url = await v3Url(conf.str('heat', 'auth-url')!);
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { id: conf.str('heat', 'user-id'), password: conf.str('heat', 'password') } },
      },
      scope: { project: { id: conf.str('heat', 'project-id') } },
    },
  };
  const r = await request(`${url.replace(/\/$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const token = r.headers['x-subject-token'];
  if (typeof token !== 'string') throw new Error('Keystone returned no token');
  const doc = JSON.parse(r.text) as { token: { catalog?: Catalog; expires_at?: string } };
  const expires = doc.token.expires_at ? Date.parse(doc.token.expires_at) : Number.POSITIVE_INFINITY;
  return { token, catalog: doc.token.catalog ?? [], expires };
}

// [keystone] cache_dir keeps the token between polls (the original uses a dogpile dbm file; this
// is a JSON file of our own, keyed the same way and honouring cache_ttl).
async function cachedAuth(conf: Conf): Promise<Auth> {
  const dir = conf.str('keystone', 'cache_dir');
  if (!dir) return authenticate(conf);
  const key = createHash('sha256')
    .update(
      `${conf.str('heat', 'auth-url')}${conf.str('heat', 'user-id')}${conf.str('heat', 'project-id')}auth_ref`,
    )
    .digest('hex');
  const file = join(dir, `keystone-${key}.json`);
  const now = Date.now();
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Auth & { stored: number };
    if (now - c.stored < conf.num('keystone', 'cache_ttl') * 1000 && c.expires > now) return c;
  } catch {}
  const auth = await authenticate(conf);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ ...auth, stored: now }), { mode: 0o600 });
  return auth;
}

function endpoint(catalog: Catalog, region: string | undefined): string {
  for (const service of catalog) {
    if (service.type !== 'orchestration') continue;
    const ep = service.endpoints.find(
      (e) => e.interface === 'public' && (!region || e.region === region || e.region_id === region),
    );
    if (ep) return ep.url;
  }
  throw new Error('EndpointNotFound: orchestration publicURL');
}

export const heat: Collector = async (conf, log) => {
  for (const opt of ['auth-url', 'password', 'project-id', 'user-id', 'stack-id', 'resource-name']) {
    if (conf.str('heat', opt) === undefined) {
      log.info(`No ${opt.replaceAll('-', '_')} configured.`);
      throw new NotConfigured();
    }
  }
  try {
    const auth = await cachedAuth(conf);
    const base = endpoint(auth.catalog, conf.str('heat', 'region-name')).replace(/\/$/, '');
    const headers = { 'X-Auth-Token': auth.token, Accept: 'application/json' };
    let stack = conf.str('heat', 'stack-id')!;
    if (!(stack.indexOf('/') > 0)) {
      // Stack lookup answers with a redirect to stacks/<name>/<id>; we only want the Location.
      const r = await request(`${base}/stacks/${encodeURIComponent(stack)}`, {
        headers,
        checkStatus: false,
        redirect: false,
      });
      const loc = r.headers.location;
      if (!loc) throw new Error('Location not returned with redirect');
      stack = loc.split('/stacks/')[1]!;
    }
    const resource = encodeURIComponent(conf.str('heat', 'resource-name')!);
    const stackPath = stack.split('/').map(encodeURIComponent).join('/');
    const r = await request(`${base}/stacks/${stackPath}/resources/${resource}/metadata`, { headers });
    const body = parseJson(r.text);
    const md = isDict(body) ? (body.get('metadata') ?? null) : null;
    if (!isDict(md)) throw new Error(`'${md === null ? 'NoneType' : typeof md}' object is not a mapping`);
    return explodeDeployments(md, conf.list('DEFAULT', 'deployment-key') ?? [], 'heat', log);
  } catch (e) {
    log.warning((e as Error).message);
    throw new NotAvailable();
  }
};
