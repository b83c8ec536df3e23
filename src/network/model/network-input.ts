// A network or subnet request body → what the stores take, with Neutron's InvalidInput messages. Shared by
// the API routes (after their policy checks) and the in-process client, so both accept exactly the same.
import { flag, optFlag, optStr, str, tagList } from './attributes.ts';
import { invalidInput } from './errors.ts';
import type { NetworkRecord } from './records.ts';
import { NETWORK_TYPES, type NetworkType, type ProviderRequest } from './segments.ts';
import type { SubnetInput } from './subnet.ts';

// What the stores take (store/networks.ts, store/subnets.ts re-export these).
export interface NetworkCreate {
  project_id: string;
  name: string;
  description: string;
  admin_state_up: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  port_security_enabled: boolean;
  provider?: ProviderRequest;
  tags?: string[];
}

export type NetworkPatch = Partial<
  Pick<
    NetworkRecord,
    'name' | 'description' | 'admin_state_up' | 'shared' | 'external' | 'mtu' | 'port_security_enabled'
  >
>;

export interface SubnetCreate extends SubnetInput {
  project_id: string;
  network_id: string;
  name: string;
  description: string;
  enable_dhcp: boolean;
  tags?: string[];
}

export interface SubnetPatch {
  name?: string;
  description?: string;
  gateway_ip?: string | null;
  allocation_pools?: unknown;
  dns_nameservers?: unknown;
  host_routes?: unknown;
  enable_dhcp?: boolean;
}

/** The provider:* attributes of a body, or undefined when it has none. */
export function providerOf(body: Record<string, unknown>): ProviderRequest | undefined {
  const type = body['provider:network_type'];
  const physnet = body['provider:physical_network'];
  const segId = body['provider:segmentation_id'];
  if (type === undefined && physnet === undefined && segId === undefined) return undefined;
  if (typeof type !== 'string' || !(NETWORK_TYPES as readonly string[]).includes(type))
    throw invalidInput(`network_type value '${String(type)}' not supported`);
  if (physnet !== undefined && physnet !== null && typeof physnet !== 'string')
    throw invalidInput('provider:physical_network must be a string');
  const seg = segId === undefined || segId === null || segId === '' ? null : Number(segId);
  if (seg !== null && !Number.isInteger(seg)) throw invalidInput(`'${String(segId)}' is not an integer`);
  return {
    networkType: type as NetworkType,
    physicalNetwork: (physnet as string | null | undefined) || null,
    segmentationId: seg,
  };
}

function mtuOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const mtu = Number(v);
  if (!Number.isInteger(mtu) || mtu < 68) throw invalidInput(`'${String(v)}' is not a valid MTU`);
  return mtu;
}

export function networkCreate(
  body: Record<string, unknown>,
  projectId: string,
  defaultMtu: number,
): NetworkCreate {
  return {
    project_id: projectId,
    name: str(body, 'name', ''),
    description: str(body, 'description', ''),
    admin_state_up: flag(body, 'admin_state_up', true),
    shared: flag(body, 'shared', false),
    external: flag(body, 'router:external', false),
    mtu: mtuOf(body.mtu === null ? undefined : body.mtu) ?? defaultMtu,
    port_security_enabled: flag(body, 'port_security_enabled', true),
    provider: providerOf(body),
    tags: tagList(body),
  };
}

export function networkPatch(body: Record<string, unknown>): NetworkPatch {
  for (const k of ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'])
    if (body[k] !== undefined) throw invalidInput(`Updating ${k} is not supported`);
  return {
    name: optStr(body, 'name'),
    description: optStr(body, 'description'),
    admin_state_up: optFlag(body, 'admin_state_up'),
    shared: optFlag(body, 'shared'),
    external: optFlag(body, 'router:external'),
    mtu: mtuOf(body.mtu),
    port_security_enabled: optFlag(body, 'port_security_enabled'),
  };
}

export function subnetCreate(
  body: Record<string, unknown>,
  networkId: string,
  projectId: string,
): SubnetCreate {
  if (body.subnetpool_id !== undefined && body.subnetpool_id !== null)
    throw invalidInput('subnet pools are not supported: give a cidr');
  return {
    project_id: projectId,
    network_id: networkId,
    name: str(body, 'name', ''),
    description: str(body, 'description', ''),
    enable_dhcp: flag(body, 'enable_dhcp', true),
    cidr: body.cidr,
    ip_version: body.ip_version,
    gateway_ip: body.gateway_ip,
    allocation_pools: body.allocation_pools,
    dns_nameservers: body.dns_nameservers,
    host_routes: body.host_routes,
    ipv6_ra_mode: body.ipv6_ra_mode,
    ipv6_address_mode: body.ipv6_address_mode,
    tags: tagList(body),
  };
}

export function subnetPatch(body: Record<string, unknown>): SubnetPatch {
  for (const k of ['cidr', 'ip_version', 'network_id', 'ipv6_ra_mode', 'ipv6_address_mode'])
    if (body[k] !== undefined) throw invalidInput(`Cannot update read-only attribute ${k}`);
  return {
    name: optStr(body, 'name'),
    description: optStr(body, 'description'),
    gateway_ip: body.gateway_ip as string | null | undefined,
    allocation_pools: body.allocation_pools,
    dns_nameservers: body.dns_nameservers,
    host_routes: body.host_routes,
    enable_dhcp: optFlag(body, 'enable_dhcp'),
  };
}
