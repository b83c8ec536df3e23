// Port attribute validation that needs no storage: extra DHCP options, allowed address pairs, binding.
import { invalidInput } from './errors.ts';
import { canonicalIp, formatCidr, parseCidr } from './ip.ts';
import { normaliseMac } from './mac.ts';

export interface ExtraDhcpOpt {
  opt_name: string;
  opt_value: string;
  ip_version: 4 | 6;
}
export interface AddressPair {
  ip_address: string;
  mac_address: string;
}

export const VNIC_TYPES = [
  'normal',
  'baremetal',
  'direct',
  'direct-physical',
  'macvtap',
  'virtio-forwarder',
  'smart-nic',
  'remote-managed',
] as const;

/** Validates extra_dhcp_opts; with `allowRemove` a null opt_value means "remove this option" (updates). */
export function parseExtraDhcpOpts(raw: unknown, allowRemove = false): (ExtraDhcpOpt | RemoveOpt)[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidInput("'extra_dhcp_opts' must be a list");
  return raw.map((o: unknown) => {
    const r = (o ?? {}) as Record<string, unknown>;
    if (typeof r.opt_name !== 'string' || r.opt_name.trim() === '')
      throw invalidInput(`Invalid extra_dhcp_opt: ${JSON.stringify(o)}`);
    const version = r.ip_version === undefined || r.ip_version === null ? 4 : Number(r.ip_version);
    if (version !== 4 && version !== 6) throw invalidInput(`${r.ip_version} is not in valid IP versions`);
    if (r.opt_value === null || r.opt_value === undefined) {
      if (allowRemove) return { opt_name: r.opt_name, remove: true, ip_version: version } as RemoveOpt;
      throw invalidInput(`Invalid extra_dhcp_opt: ${JSON.stringify(o)} has no opt_value`);
    }
    if (typeof r.opt_value !== 'string' || /[\n\r]/.test(r.opt_value) || /[\n\r]/.test(r.opt_name))
      throw invalidInput(`Invalid extra_dhcp_opt: ${JSON.stringify(o)}`);
    return { opt_name: r.opt_name.trim(), opt_value: r.opt_value, ip_version: version };
  });
}

export interface RemoveOpt {
  opt_name: string;
  remove: true;
  ip_version: 4 | 6;
}

/** Neutron's update semantics: options are replaced by (name, version); null values remove them. */
export function mergeExtraDhcpOpts(
  current: readonly ExtraDhcpOpt[],
  changes: readonly (ExtraDhcpOpt | RemoveOpt)[],
): ExtraDhcpOpt[] {
  let out = [...current];
  for (const c of changes) {
    out = out.filter((o) => !(o.opt_name === c.opt_name && o.ip_version === c.ip_version));
    if (!('remove' in c)) out.push(c);
  }
  return out;
}

export function parseAddressPairs(raw: unknown, portMac: string): AddressPair[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidInput("'allowed_address_pairs' must be a list");
  const out: AddressPair[] = [];
  for (const p of raw) {
    const r = (p ?? {}) as Record<string, unknown>;
    const ipText = typeof r.ip_address === 'string' ? r.ip_address : '';
    const ip = ipText.includes('/')
      ? parseCidr(ipText) && formatCidr(parseCidr(ipText)!)
      : canonicalIp(ipText);
    if (!ip) throw invalidInput(`'${String(r.ip_address)}' is not a valid IP address`);
    // Without a MAC the pair takes the port's own (filled in once the port has one).
    const mac =
      r.mac_address === undefined || r.mac_address === null ? portMac : normaliseMac(String(r.mac_address));
    if (mac === undefined) throw invalidInput(`'${String(r.mac_address)}' is not a valid MAC address`);
    if (out.some((x) => x.ip_address === ip && x.mac_address === mac)) throw badPair(ip, mac);
    out.push({ ip_address: ip, mac_address: mac });
  }
  return out;
}

function badPair(ip: string, mac: string) {
  return invalidInput(`Duplicate address pair ${ip} ${mac}`);
}

export function parseVnicType(raw: unknown): string {
  if (raw === undefined || raw === null) return 'normal';
  if (typeof raw !== 'string' || !(VNIC_TYPES as readonly string[]).includes(raw))
    throw invalidInput(`'${String(raw)}' is not in ${JSON.stringify(VNIC_TYPES)}`);
  return raw;
}

export function parseProfile(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidInput("'binding:profile' must be a dictionary");
  return raw as Record<string, unknown>;
}
