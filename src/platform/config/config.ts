// The seed's configuration: defaults, then the file (STATE_DIR/ooo.json or --config), then OOO_* variables,
// then command-line flags. Read only by the composition root.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

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
  /** Per-service settings, passed to each service as-is. */
  settings: Record<string, Record<string, unknown>>;
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
  };
}

/** Merges a partial configuration (from a file, the environment or flags) over a base one. */
export function mergeConfig(base: SeedConfig, over: Partial<SeedConfig>): SeedConfig {
  const out: SeedConfig = { ...base };
  for (const [k, v] of Object.entries(over) as [keyof SeedConfig, unknown][]) {
    if (v === undefined) continue;
    if (k === 'ports' || k === 'settings') {
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
  return out;
}

export function configFromFile(path: string, required = false): Partial<SeedConfig> {
  if (!existsSync(path)) {
    if (required) throw new Error(`configuration file not found: ${path}`);
    return {};
  }
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SeedConfig>;
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: expected a JSON object`);
  return parsed;
}

export function parseIntStrict(value: string, what: string): number {
  if (!/^-?\d+$/.test(value)) throw new Error(`${what}: not a whole number: ${value}`);
  return Number(value);
}
