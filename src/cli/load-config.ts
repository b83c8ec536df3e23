// The composition root's one place for configuration: defaults ← file ← OOO_* environment ← flags.
import { join, resolve } from 'node:path';
import {
  configFromEnv,
  configFromFile,
  DEFAULT_STATE_DIR,
  defaultConfig,
  mergeConfig,
  parseIntStrict,
  type SeedConfig,
  serviceUrl,
} from '../platform/config/config.ts';

export interface CommonFlags {
  'state-dir'?: string;
  host?: string;
  'port-offset'?: string;
  config?: string;
  'database-url'?: string;
  'log-level'?: string;
  only?: string;
  'identity-url'?: string;
  'service-credentials'?: string;
}

export const COMMON_OPTIONS = {
  'state-dir': { type: 'string' },
  host: { type: 'string' },
  'port-offset': { type: 'string' },
  config: { type: 'string' },
  'database-url': { type: 'string' },
  'log-level': { type: 'string' },
  only: { type: 'string' },
  'identity-url': { type: 'string' },
  'service-credentials': { type: 'string' },
} as const;

export function loadConfig(flags: CommonFlags, env: NodeJS.ProcessEnv): SeedConfig {
  const stateDir = resolve(flags['state-dir'] ?? env.OOO_STATE_DIR ?? DEFAULT_STATE_DIR);
  let config = defaultConfig(stateDir);
  config = mergeConfig(
    config,
    configFromFile(flags.config ?? join(stateDir, 'ooo.json'), flags.config !== undefined),
  );
  config = mergeConfig(config, configFromEnv(env));
  config = mergeConfig(config, {
    stateDir,
    host: flags.host,
    portOffset:
      flags['port-offset'] === undefined ? undefined : parseIntStrict(flags['port-offset'], '--port-offset'),
    databaseUrl: flags['database-url'],
    logLevel: flags['log-level'],
    services: flags.only?.split(',').map((s) => s.trim()),
    serviceUrls:
      flags['identity-url'] === undefined
        ? undefined
        : { identity: serviceUrl(flags['identity-url'], '--identity-url') },
    serviceCredentials:
      flags['service-credentials'] === undefined ? undefined : resolve(flags['service-credentials']),
  });
  if (config.portOffset < 0 || config.portOffset > 50_000) throw new Error('--port-offset must be 0..50000');
  return config;
}
