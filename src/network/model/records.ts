// The network service's records as the stores keep them and the views render them: standard attributes
// (times in epoch milliseconds) and each resource's own fields, named as Neutron names them.
import type { AddressPair, ExtraDhcpOpt } from './port.ts';
import type { RuleSpec } from './security-group.ts';
import type { NetworkType } from './segments.ts';
import type { HostRoute, Ipv6Mode, Pool } from './subnet.ts';

/** Who is asking: a project (sees its own rows) or an admin (sees everything). */
export interface Scope {
  /** The caller's project; undefined for a caller that sees everything. */
  projectId?: string;
  admin: boolean;
}

export interface Standard {
  id: string;
  project_id: string;
  name: string;
  description: string;
  tags: string[];
  revision_number: number;
  created_at: number;
  updated_at: number;
}

export interface NetworkRecord extends Standard {
  admin_state_up: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  network_type: NetworkType;
  physical_network: string | null;
  segmentation_id: number | null;
  port_security_enabled: boolean;
  subnets: string[];
}

export interface SubnetRecord extends Standard {
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  ipv6_ra_mode: Ipv6Mode | null;
  ipv6_address_mode: Ipv6Mode | null;
  allocation_pools: Pool[];
  dns_nameservers: string[];
  host_routes: HostRoute[];
}

export interface RuleRecord extends RuleSpec {
  id: string;
  project_id: string;
  security_group_id: string;
  description: string;
  revision_number: number;
  created_at: number;
  updated_at: number;
}

export interface GroupRecord extends Standard {
  stateful: boolean;
  security_group_rules: RuleRecord[];
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface FixedIpRequest {
  subnet_id?: string;
  ip_address?: string;
}

export interface PortFields {
  name: string;
  description: string;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  binding_host_id: string;
  binding_vnic_type: string;
  binding_profile: Record<string, unknown>;
  extra_dhcp_opts: ExtraDhcpOpt[];
  allowed_address_pairs: AddressPair[];
  port_security_enabled: boolean;
  dns_name: string;
}

export interface PortRecord extends Standard, PortFields {
  network_id: string;
  mac_address: string;
  status: string;
  security_groups: string[];
  fixed_ips: FixedIp[];
}

export interface PortCreate extends PortFields {
  project_id: string;
  network_id: string;
  mac_address?: string;
  /** undefined: one address per IP family from the network's subnets; []: none. */
  fixed_ips?: FixedIpRequest[];
  /** undefined: the project's default group (when port security is on). */
  security_groups?: string[];
  tags?: string[];
}

export type PortPatch = Partial<PortFields> & {
  mac_address?: string;
  fixed_ips?: FixedIpRequest[];
  security_groups?: string[];
};

/** What a port list can be narrowed to in the database (exact matches). */
export interface PortFilter {
  device_id?: string;
  network_id?: string;
  mac_address?: string;
}
