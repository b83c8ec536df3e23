// Records as Neutron's JSON shows them: standard attributes (tenant_id mirrors project_id, times in ISO
// seconds) and the extension attributes with their prefixed names (provider:, binding:, router:external).
import type { Item } from './query.ts';
import type {
  GroupRecord,
  NetworkRecord,
  PortRecord,
  RuleRecord,
  Standard,
  SubnetRecord,
} from './records.ts';

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function standard(r: Standard): Item {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    project_id: r.project_id,
    tenant_id: r.project_id,
    tags: r.tags,
    revision_number: r.revision_number,
    created_at: isoTime(r.created_at),
    updated_at: isoTime(r.updated_at),
  };
}

export function networkView(n: NetworkRecord, az: string): Item {
  return {
    ...standard(n),
    admin_state_up: n.admin_state_up,
    status: 'ACTIVE',
    subnets: n.subnets,
    shared: n.shared,
    'router:external': n.external,
    mtu: n.mtu,
    'provider:network_type': n.network_type,
    'provider:physical_network': n.physical_network,
    'provider:segmentation_id': n.segmentation_id,
    port_security_enabled: n.port_security_enabled,
    availability_zone_hints: [],
    availability_zones: [az],
    is_default: false,
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    l2_adjacency: true,
  };
}

export function subnetView(s: SubnetRecord): Item {
  return {
    ...standard(s),
    network_id: s.network_id,
    ip_version: s.ip_version,
    cidr: s.cidr,
    gateway_ip: s.gateway_ip,
    allocation_pools: s.allocation_pools,
    dns_nameservers: s.dns_nameservers,
    host_routes: s.host_routes,
    enable_dhcp: s.enable_dhcp,
    ipv6_ra_mode: s.ipv6_ra_mode,
    ipv6_address_mode: s.ipv6_address_mode,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
    dns_publish_fixed_ip: false,
  };
}

export function portView(p: PortRecord): Item {
  const bound = p.binding_host_id !== '';
  return {
    ...standard(p),
    network_id: p.network_id,
    mac_address: p.mac_address,
    fixed_ips: p.fixed_ips,
    admin_state_up: p.admin_state_up,
    status: p.status,
    device_id: p.device_id,
    device_owner: p.device_owner,
    'binding:host_id': p.binding_host_id,
    'binding:vnic_type': p.binding_vnic_type,
    'binding:profile': p.binding_profile,
    'binding:vif_type': bound ? (p.binding_vnic_type === 'baremetal' ? 'other' : 'ovs') : 'unbound',
    'binding:vif_details': {},
    security_groups: p.security_groups,
    allowed_address_pairs: p.allowed_address_pairs,
    extra_dhcp_opts: p.extra_dhcp_opts,
    port_security_enabled: p.port_security_enabled,
    dns_name: p.dns_name,
    dns_assignment: p.fixed_ips.map((f) => ({
      ip_address: f.ip_address,
      hostname: p.dns_name || `host-${f.ip_address.replace(/[.:]/g, '-')}`,
      fqdn: `${p.dns_name || `host-${f.ip_address.replace(/[.:]/g, '-')}`}.openstacklocal.`,
    })),
  };
}

export function ruleView(r: RuleRecord): Item {
  return {
    id: r.id,
    project_id: r.project_id,
    tenant_id: r.project_id,
    security_group_id: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol ?? null,
    port_range_min: r.port_range_min ?? null,
    port_range_max: r.port_range_max ?? null,
    remote_ip_prefix: r.remote_ip_prefix ?? null,
    remote_group_id: r.remote_group_id ?? null,
    remote_address_group_id: null,
    normalized_cidr: r.remote_ip_prefix ?? null,
    description: r.description,
    revision_number: r.revision_number,
    created_at: isoTime(r.created_at),
    updated_at: isoTime(r.updated_at),
    tags: [],
  };
}

export function groupView(g: GroupRecord): Item {
  return { ...standard(g), stateful: g.stateful, security_group_rules: g.security_group_rules.map(ruleView) };
}
