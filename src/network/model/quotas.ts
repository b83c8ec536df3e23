// Neutron's quota resources and their default limits (neutron/conf/quota.py); -1 means unlimited.
import { invalidInput } from './errors.ts';

export const QUOTA_DEFAULTS: Readonly<Record<string, number>> = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
  rbac_policy: 10,
  subnetpool: -1,
};

/** The table and project column counting each enforced resource. */
export const QUOTA_USAGE: Readonly<Record<string, string>> = {
  network: 'net_networks',
  subnet: 'net_subnets',
  port: 'net_ports',
  security_group: 'net_security_groups',
  security_group_rule: 'net_security_group_rules',
};

/** Validates `{"quota": {...}}` of a PUT: known resources, whole numbers ≥ -1. */
export function validateQuotaUpdate(body: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof body !== 'object' || body === null) throw invalidInput("'quota' must be an object");
  for (const [k, v] of Object.entries(body)) {
    if (!(k in QUOTA_DEFAULTS)) throw invalidInput(`Unrecognized attribute(s) '${k}'`);
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1)
      throw invalidInput(`'${String(v)}' is not a valid quota for ${k}: it must be an integer >= -1`);
    out[k] = n;
  }
  return out;
}
