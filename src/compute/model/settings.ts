// The compute service's settings (ooo.json "settings.compute"), checked once at start. Pure.
import { QUOTA_DEFAULTS } from './quotas.ts';

export interface ComputeSettings {
  /** The one availability zone servers land in (Nova's default_availability_zone). */
  availabilityZone: string;
  /** The compute host name shown for hypervisors and zones. */
  host: string;
  /** The address hypervisors report as host_ip (Nova's my_ip). */
  hostIp: string;
  /** Quota defaults over Nova's. */
  quotaDefaults: Record<string, number>;
  /** The network (name or id) a server's port goes on when the request names none. */
  provisioningNetwork: string;
  /** Nodes tried for one server before it is ERROR (Nova's [scheduler] max_attempts). */
  maxAttempts: number;
  /** How often a deploying or undeploying node is looked at (Nova's [ironic] api_retry_interval, in ms). */
  pollMs: number;
}

export function parseSettings(raw: Record<string, unknown>, hostname: string): ComputeSettings {
  const text = (k: string, d: string) => {
    const v = raw[k];
    if (v === undefined) return d;
    if (typeof v !== 'string' || v === '')
      throw new Error(`compute settings: ${k} must be a non-empty string`);
    return v;
  };
  const quotaDefaults: Record<string, number> = {};
  const q = raw.quotaDefaults;
  if (q !== undefined) {
    if (typeof q !== 'object' || q === null || Array.isArray(q))
      throw new Error('compute settings: quotaDefaults must be an object');
    for (const [k, v] of Object.entries(q)) {
      if (!(k in QUOTA_DEFAULTS)) throw new Error(`compute settings: unknown quota ${k}`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -1)
        throw new Error(`compute settings: quota ${k} must be an integer ≥ -1`);
      quotaDefaults[k] = v;
    }
  }
  const whole = (k: string, d: number, min: number) => {
    const v = raw[k];
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new Error(`compute settings: ${k} must be an integer ≥ ${min}`);
    return v;
  };
  return {
    provisioningNetwork: text('provisioningNetwork', 'ctlplane'),
    maxAttempts: whole('maxAttempts', 3, 1),
    pollMs: whole('pollMs', 2000, 10),
    availabilityZone: text('availabilityZone', 'nova'),
    host: text('host', hostname),
    hostIp: text('hostIp', '127.0.0.1'),
    quotaDefaults,
  };
}
