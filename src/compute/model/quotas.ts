// Nova's quota keys, their defaults, which microversions show which keys, and the limits view. Pure.
import { badRequest } from '../../platform/errors/catalogue.ts';
import { atLeast, type Version } from './microversion.ts';

export const QUOTA_DEFAULTS: Readonly<Record<string, number>> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  // Network quotas belong to the network service; up to 2.35 Nova still shows them.
  fixed_ips: -1,
  floating_ips: -1,
  security_groups: -1,
  security_group_rules: -1,
};

const NETWORK_KEYS = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules'];
const FILE_KEYS = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** The keys a quota set shows (and accepts) at a version: network keys go at 2.36, file keys at 2.57. */
export function quotaKeys(v: Version): string[] {
  return Object.keys(QUOTA_DEFAULTS).filter(
    (k) => !(atLeast(v, 36) && NETWORK_KEYS.includes(k)) && !(atLeast(v, 57) && FILE_KEYS.includes(k)),
  );
}

/**
 * The keys a quota class shows: server groups join at 2.50 as network keys go; files go at 2.57. Updates
 * also accept the server group keys before 2.50 (novaclient sends them), as Nova's schema does.
 */
export function quotaClassKeys(v: Version): string[] {
  return Object.keys(QUOTA_DEFAULTS).filter((k) => {
    if (k === 'server_groups' || k === 'server_group_members') return atLeast(v, 50);
    if (NETWORK_KEYS.includes(k)) return !atLeast(v, 50);
    if (FILE_KEYS.includes(k)) return !atLeast(v, 57);
    return true;
  });
}

export function quotaClassUpdateKeys(v: Version): string[] {
  return [...new Set([...quotaClassKeys(v), 'server_groups', 'server_group_members'])];
}

/** Parses a quota-set update body: known keys only, each a whole number ≥ -1 (-1 is unlimited). */
export function parseQuotaUpdate(
  body: Record<string, unknown>,
  v: Version,
  allowed: readonly string[] = quotaKeys(v),
  field = 'quota_set',
): { limits: Record<string, number>; force: boolean } {
  const keys = new Set(allowed);
  const limits: Record<string, number> = {};
  let force = false;
  for (const [k, raw] of Object.entries(body)) {
    if (k === 'force') {
      if (typeof raw !== 'boolean' && !/^(true|false)$/i.test(String(raw)))
        throw badRequest(
          `Invalid input for field/attribute force. Value: ${JSON.stringify(raw)}. is not a boolean`,
        );
      force = String(raw).toLowerCase() === 'true';
      continue;
    }
    if (!keys.has(k))
      throw badRequest(
        `Invalid input for field/attribute ${field}. Additional properties are not allowed ('${k}' was unexpected)`,
      );
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > 2 ** 31 - 1)
      throw badRequest(
        `Invalid input for field/attribute ${k}. Value: ${JSON.stringify(raw)}. must be an integer from -1 to 2147483647`,
      );
    limits[k] = n;
  }
  return { limits, force };
}

/** Which resources may not be lowered below what is in use (unless forced); a limit of -1 never is. */
export function belowUsage(
  limits: Record<string, number>,
  usage: Record<string, number>,
): string | undefined {
  for (const [k, limit] of Object.entries(limits)) {
    const used = usage[k] ?? 0;
    if (limit !== -1 && limit < used)
      return `Quota limit ${limit} for ${k} must be greater than or equal to already used and reserved ${used}.`;
  }
  return undefined;
}

/** `GET /limits`'s absolute block: the maxima and the usage, the keys varying with the version as Nova's. */
export function absoluteLimits(
  v: Version,
  limits: Readonly<Record<string, number>>,
  usage: Record<string, number>,
): Record<string, number> {
  const l = (k: string) => limits[k] ?? -1;
  const out: Record<string, number> = {
    maxServerMeta: l('metadata_items'),
    maxTotalKeypairs: l('key_pairs'),
    maxServerGroups: l('server_groups'),
    maxServerGroupMembers: l('server_group_members'),
    maxTotalCores: l('cores'),
    maxTotalInstances: l('instances'),
    maxTotalRAMSize: l('ram'),
    totalCoresUsed: usage.cores ?? 0,
    totalInstancesUsed: usage.instances ?? 0,
    totalRAMUsed: usage.ram ?? 0,
    totalServerGroupsUsed: usage.server_groups ?? 0,
  };
  if (!atLeast(v, 36)) {
    Object.assign(out, {
      maxSecurityGroups: l('security_groups'),
      maxSecurityGroupRules: l('security_group_rules'),
      maxTotalFloatingIps: l('floating_ips'),
      totalFloatingIpsUsed: 0,
      totalSecurityGroupsUsed: 0,
    });
  }
  if (!atLeast(v, 39)) out.maxImageMeta = l('metadata_items');
  if (!atLeast(v, 57)) {
    out.maxPersonality = l('injected_files');
    out.maxPersonalitySize = l('injected_file_content_bytes');
  }
  return out;
}
