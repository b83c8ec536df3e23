// A port create or update request body, validated once: the API routes and the service client both turn a
// Neutron-shaped body into the store's input here, so a port made by another service is checked exactly
// like one made over HTTP. Policy (who may set what) stays with the caller.
import { flag, optFlag, optStr, str, tagList } from './attributes.ts';
import { conflictError, invalidInput } from './errors.ts';
import { normaliseMac } from './mac.ts';
import {
  type ExtraDhcpOpt,
  mergeExtraDhcpOpts,
  parseAddressPairs,
  parseExtraDhcpOpts,
  parseProfile,
  parseVnicType,
} from './port.ts';
import type { FixedIpRequest, NetworkRecord, PortCreate, PortPatch, PortRecord } from './records.ts';

export function parseFixedIps(raw: unknown): FixedIpRequest[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput(`Invalid data format for fixed IP: '${JSON.stringify(raw)}'`);
  return raw.map((f: unknown) => {
    const o = (f ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'subnet_id' && k !== 'ip_address')
        throw invalidInput(`Unrecognized attribute(s) '${k}' in fixed_ips`);
    if (o.subnet_id !== undefined && typeof o.subnet_id !== 'string')
      throw invalidInput('subnet_id must be a string');
    if (o.ip_address !== undefined && typeof o.ip_address !== 'string')
      throw invalidInput('ip_address must be a string');
    if (o.subnet_id === undefined && o.ip_address === undefined)
      throw invalidInput('Exactly one of subnet_id or ip_address is required in fixed_ips');
    return { subnet_id: o.subnet_id as string | undefined, ip_address: o.ip_address as string | undefined };
  });
}

export function parseMac(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const m = typeof raw === 'string' ? normaliseMac(raw) : undefined;
  if (!m) throw invalidInput(`'${String(raw)}' is not a valid MAC address`);
  return m;
}

function groupIds(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return [];
  if (!Array.isArray(raw) || raw.some((g) => typeof g !== 'string'))
    throw invalidInput(`'${JSON.stringify(raw)}' is not a list of security group ids`);
  return raw as string[];
}

/** Whether a body sets binding attributes (only admins and services may). */
export const setsBinding = (body: Record<string, unknown>): boolean =>
  ['binding:host_id', 'binding:profile', 'binding:vnic_type'].some((k) => body[k] !== undefined);

/** Whether a fixed_ips request names addresses (not just subnets): a policy-guarded choice. */
export const namesAddresses = (ips: readonly FixedIpRequest[] | undefined): boolean =>
  ips?.some((f) => f.ip_address !== undefined) ?? false;

/** The store input of a port create on `network` for `projectId`. */
export function parsePortCreate(
  body: Record<string, unknown>,
  network: NetworkRecord,
  projectId: string,
): PortCreate {
  const macAddress = parseMac(body.mac_address);
  const portSecurity = flag(body, 'port_security_enabled', network.port_security_enabled);
  const groups = groupIds(body.security_groups);
  const pairs = parseAddressPairs(body.allowed_address_pairs, macAddress ?? '');
  if (!portSecurity && ((groups?.length ?? 0) > 0 || pairs.length > 0)) throw portSecurityRequired();
  return {
    project_id: projectId,
    network_id: network.id,
    name: str(body, 'name', ''),
    description: str(body, 'description', ''),
    admin_state_up: flag(body, 'admin_state_up', true),
    mac_address: macAddress,
    fixed_ips: parseFixedIps(body.fixed_ips),
    device_id: str(body, 'device_id', ''),
    device_owner: str(body, 'device_owner', ''),
    binding_host_id: str(body, 'binding:host_id', ''),
    binding_vnic_type: parseVnicType(body['binding:vnic_type']),
    binding_profile: parseProfile(body['binding:profile']),
    extra_dhcp_opts: parseExtraDhcpOpts(body.extra_dhcp_opts) as ExtraDhcpOpt[],
    allowed_address_pairs: pairs,
    security_groups: groups,
    port_security_enabled: portSecurity,
    dns_name: str(body, 'dns_name', ''),
    tags: tagList(body),
  };
}

/** The store patch of a port update of `cur`. */
export function parsePortUpdate(body: Record<string, unknown>, cur: PortRecord): PortPatch {
  if (body.network_id !== undefined && body.network_id !== cur.network_id)
    throw invalidInput('Cannot update read-only attribute network_id');
  const macAddress = parseMac(body.mac_address);
  return {
    name: optStr(body, 'name'),
    description: optStr(body, 'description'),
    admin_state_up: optFlag(body, 'admin_state_up'),
    mac_address: macAddress,
    fixed_ips: parseFixedIps(body.fixed_ips),
    device_id: optStr(body, 'device_id'),
    device_owner: optStr(body, 'device_owner'),
    binding_host_id: optStr(body, 'binding:host_id'),
    binding_vnic_type:
      body['binding:vnic_type'] === undefined ? undefined : parseVnicType(body['binding:vnic_type']),
    binding_profile:
      body['binding:profile'] === undefined ? undefined : parseProfile(body['binding:profile']),
    extra_dhcp_opts:
      body.extra_dhcp_opts === undefined
        ? undefined
        : mergeExtraDhcpOpts(cur.extra_dhcp_opts, parseExtraDhcpOpts(body.extra_dhcp_opts, true)),
    allowed_address_pairs:
      body.allowed_address_pairs === undefined
        ? undefined
        : parseAddressPairs(body.allowed_address_pairs, macAddress ?? cur.mac_address),
    security_groups: groupIds(body.security_groups),
    port_security_enabled: optFlag(body, 'port_security_enabled'),
    dns_name: optStr(body, 'dns_name'),
  };
}

function portSecurityRequired() {
  return conflictError(
    'PortSecurityAndIPRequiredForSecurityGroups',
    'Port security must be enabled and port must have an IP address in order to use security groups.',
  );
}
