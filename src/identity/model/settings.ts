// The identity service's settings (config file `settings.identity`), with defaults and checks.
import { DEFAULT_COST, type HashCost } from './password.ts';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './throttle.ts';

export interface IdentitySettings {
  /** Token lifetime (keystone's [token] expiration). */
  tokenExpirationSeconds: number;
  /** How often a process reads revocation events written by other processes (ms). Also bounds how long a
   * validated token's cached roles and names may lag a change made by another process. */
  revocationRefreshMs: number;
  /** Validated tokens kept in memory. */
  cacheEntries: number;
  maxActiveKeys: number;
  hashCost: HashCost;
  throttle: ThrottlePolicy;
}

export const DEFAULT_SETTINGS: IdentitySettings = {
  tokenExpirationSeconds: 3600,
  revocationRefreshMs: 2000,
  cacheEntries: 10_000,
  maxActiveKeys: 3,
  hashCost: DEFAULT_COST,
  throttle: DEFAULT_THROTTLE,
};

function num(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`identity setting ${name}: expected a whole number in [${min}, ${max}]`);
  }
  return v;
}

export function parseSettings(raw: Record<string, unknown>): IdentitySettings {
  const d = DEFAULT_SETTINGS;
  const t = (raw.throttle ?? {}) as Record<string, unknown>;
  return {
    tokenExpirationSeconds: num(
      raw.tokenExpirationSeconds,
      'tokenExpirationSeconds',
      1,
      7 * 86400,
      d.tokenExpirationSeconds,
    ),
    revocationRefreshMs: num(
      raw.revocationRefreshMs,
      'revocationRefreshMs',
      0,
      600_000,
      d.revocationRefreshMs,
    ),
    cacheEntries: num(raw.cacheEntries, 'cacheEntries', 0, 10_000_000, d.cacheEntries),
    maxActiveKeys: num(raw.maxActiveKeys, 'maxActiveKeys', 2, 100, d.maxActiveKeys),
    hashCost: {
      ln: num(raw.hashCostLog2, 'hashCostLog2', 10, 20, d.hashCost.ln),
      r: d.hashCost.r,
      p: d.hashCost.p,
    },
    throttle: {
      maxFailures: num(t.maxFailures, 'throttle.maxFailures', 0, 1000, d.throttle.maxFailures),
      windowMs: num(t.windowMs, 'throttle.windowMs', 1, 86_400_000, d.throttle.windowMs),
      lockoutMs: num(t.lockoutMs, 'throttle.lockoutMs', 1, 86_400_000, d.throttle.lockoutMs),
    },
  };
}
