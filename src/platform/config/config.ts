// The seed's configuration: defaults, then the file (STATE_DIR/ooo.json or --config), then OOO_* variables,
// then command-line flags. Read only by the composition root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SeedConfig {
  stateDir: string;
  host: string;
  /** Added to every service's conventional port, so several seeds can run side by side. */
  portOffset: number;
  /** Explicit ports per service (0 = any free port, as tests use). */
  ports: Record<string, number>;
  /** A postgres:// URL; empty = SQLite at STATE_DIR/ooo.sqlite. */
  databaseUrl: string;
  logLevel: string;
  region: string;
  /** Services to run; empty = all. */
  services: string[];
  /** Per-service settings, passed to each service as-is (and to the client of a service reached over HTTP). */
  settings: Record<string, Record<string, unknown>>;
  /** Base URLs of services that run in other processes, by service name (e.g. {"identity":
   * "http://10.0.0.1:5000"}). `identityUrl` (OOO_IDENTITY_URL, --identity-url) sets the identity entry. */
  serviceUrls: Record<string, string>;
  /** The service users' credentials file; empty = STATE_DIR/service-credentials.json. */
  serviceCredentials: string;
}

export const DEFAULT_STATE_DIR = '.state';

export function defaultConfig(stateDir = DEFAULT_STATE_DIR): SeedConfig {
  return {
    stateDir: resolve(stateDir),
    host: '127.0.0.1',
    portOffset: 0,
    ports: {},
    databaseUrl: '',
    logLevel: 'info',
    region: 'RegionOne',
    services: [],
    settings: {},
    serviceUrls: {},
    serviceCredentials: '',
  };
}

/** Merges a partial configuration (from a file, the environment or flags) over a base one. */
export function mergeConfig(base: SeedConfig, over: Partial<SeedConfig>): SeedConfig {
  const out: SeedConfig = { ...base };
  for (const [k, v] of Object.entries(over) as [keyof SeedConfig, unknown][]) {
    if (v === undefined) continue;
    if (k === 'ports' || k === 'settings' || k === 'serviceUrls') {
      (out as unknown as Record<string, unknown>)[k] = { ...(base[k] as object), ...(v as object) };
    } else {
      (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

export function configFromEnv(env: NodeJS.ProcessEnv): Partial<SeedConfig> {
  const out: Partial<SeedConfig> = {};
  if (env.OOO_STATE_DIR) out.stateDir = resolve(env.OOO_STATE_DIR);
  if (env.OOO_HOST) out.host = env.OOO_HOST;
  if (env.OOO_PORT_OFFSET) out.portOffset = parseIntStrict(env.OOO_PORT_OFFSET, 'OOO_PORT_OFFSET');
  if (env.OOO_DATABASE_URL) out.databaseUrl = env.OOO_DATABASE_URL;
  if (env.OOO_LOG_LEVEL) out.logLevel = env.OOO_LOG_LEVEL;
  if (env.OOO_IDENTITY_URL)
    out.serviceUrls = { identity: serviceUrl(env.OOO_IDENTITY_URL, 'OOO_IDENTITY_URL') };
  if (env.OOO_SERVICE_CREDENTIALS) out.serviceCredentials = resolve(env.OOO_SERVICE_CREDENTIALS);
  return out;
}

export function configFromFile(path: string, required = false): Partial<SeedConfig> {
  if (!existsSync(path)) {
    if (required) throw new Error(`configuration file not found: ${path}`);
    return {};
  }
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SeedConfig> & { identityUrl?: unknown };
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: expected a JSON object`);
  const { identityUrl, ...rest } = parsed;
  const urls: Record<string, string> = {};
  if (rest.serviceUrls !== undefined) {
    if (typeof rest.serviceUrls !== 'object' || rest.serviceUrls === null)
      throw new Error(`${path}: serviceUrls: expected an object of service name → URL`);
    for (const [name, url] of Object.entries(rest.serviceUrls))
      urls[name] = serviceUrl(url, `${path}: serviceUrls.${name}`);
  }
  if (identityUrl !== undefined) urls.identity = serviceUrl(identityUrl, `${path}: identityUrl`);
  if (typeof rest.serviceCredentials === 'string' && rest.serviceCredentials !== '')
    rest.serviceCredentials = resolve(dirname(path), rest.serviceCredentials);
  return { ...rest, ...(Object.keys(urls).length > 0 ? { serviceUrls: urls } : {}) };
}

/** A service's base URL: http(s), no query; a trailing slash and a version path (/v3) are dropped. */
export function serviceUrl(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a URL`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${what}: not a URL: ${value}`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash)
    throw new Error(`${what}: expected http(s)://host:port: ${value}`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v3$/, '')}`;
}

export function parseIntStrict(value: string, what: string): number {
  if (!/^-?\d+$/.test(value)) throw new Error(`${what}: not a whole number: ${value}`);
  return Number(value);
}
