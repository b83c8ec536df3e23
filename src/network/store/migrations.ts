// The network service's tables. Addresses in IPAM bookkeeping are fixed-width hex keys (see model/ip.ts),
// compared bytewise on both engines (COLLATE "C" on PostgreSQL).
import type { Migration } from '../../platform/db/migrate.ts';

const schema = (keyCollate: string) => `
CREATE TABLE net_networks (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  admin_state_up INTEGER NOT NULL, shared INTEGER NOT NULL, external INTEGER NOT NULL, mtu INTEGER NOT NULL,
  network_type TEXT NOT NULL, physical_network TEXT, segmentation_id BIGINT,
  port_security_enabled INTEGER NOT NULL, tags TEXT NOT NULL, revision_number INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX net_networks_project ON net_networks (project_id);
CREATE TABLE net_segments (
  network_type TEXT NOT NULL, physical_network TEXT NOT NULL, segmentation_id BIGINT NOT NULL,
  network_id TEXT NOT NULL REFERENCES net_networks (id) ON DELETE CASCADE,
  PRIMARY KEY (network_type, physical_network, segmentation_id)
);
CREATE TABLE net_subnets (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  network_id TEXT NOT NULL REFERENCES net_networks (id) ON DELETE CASCADE, ip_version INTEGER NOT NULL,
  cidr TEXT NOT NULL, gateway_ip TEXT, enable_dhcp INTEGER NOT NULL, ipv6_ra_mode TEXT, ipv6_address_mode TEXT,
  allocation_pools TEXT NOT NULL, dns_nameservers TEXT NOT NULL, host_routes TEXT NOT NULL,
  tags TEXT NOT NULL, revision_number INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX net_subnets_network ON net_subnets (network_id);
CREATE TABLE net_free_ranges (
  subnet_id TEXT NOT NULL REFERENCES net_subnets (id) ON DELETE CASCADE,
  first_key TEXT ${keyCollate} NOT NULL, last_key TEXT ${keyCollate} NOT NULL,
  PRIMARY KEY (subnet_id, first_key)
);
CREATE INDEX net_free_ranges_last ON net_free_ranges (subnet_id, last_key);
CREATE TABLE net_ports (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  network_id TEXT NOT NULL REFERENCES net_networks (id) ON DELETE CASCADE, mac_address TEXT NOT NULL,
  admin_state_up INTEGER NOT NULL, status TEXT NOT NULL, device_id TEXT NOT NULL, device_owner TEXT NOT NULL,
  binding_host_id TEXT NOT NULL, binding_vnic_type TEXT NOT NULL, binding_profile TEXT NOT NULL,
  extra_dhcp_opts TEXT NOT NULL, allowed_address_pairs TEXT NOT NULL,
  port_security_enabled INTEGER NOT NULL, dns_name TEXT NOT NULL, tags TEXT NOT NULL,
  revision_number INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  UNIQUE (network_id, mac_address)
);
CREATE INDEX net_ports_project ON net_ports (project_id);
CREATE INDEX net_ports_device ON net_ports (device_id);
CREATE TABLE net_ip_allocations (
  subnet_id TEXT NOT NULL REFERENCES net_subnets (id) ON DELETE CASCADE,
  ip_key TEXT ${keyCollate} NOT NULL, ip_address TEXT NOT NULL,
  port_id TEXT NOT NULL REFERENCES net_ports (id) ON DELETE CASCADE, network_id TEXT NOT NULL,
  PRIMARY KEY (subnet_id, ip_key)
);
CREATE INDEX net_ip_allocations_port ON net_ip_allocations (port_id);
CREATE TABLE net_security_groups (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  stateful INTEGER NOT NULL, tags TEXT NOT NULL, revision_number INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE TABLE net_default_security_groups (
  project_id TEXT PRIMARY KEY, security_group_id TEXT NOT NULL REFERENCES net_security_groups (id) ON DELETE CASCADE
);
CREATE TABLE net_security_group_rules (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL,
  security_group_id TEXT NOT NULL REFERENCES net_security_groups (id) ON DELETE CASCADE,
  direction TEXT NOT NULL, ethertype TEXT NOT NULL, protocol TEXT, port_range_min INTEGER, port_range_max INTEGER,
  remote_ip_prefix TEXT, remote_group_id TEXT, description TEXT NOT NULL, revision_number INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX net_sg_rules_group ON net_security_group_rules (security_group_id);
CREATE TABLE net_port_security_groups (
  port_id TEXT NOT NULL REFERENCES net_ports (id) ON DELETE CASCADE,
  security_group_id TEXT NOT NULL REFERENCES net_security_groups (id),
  PRIMARY KEY (port_id, security_group_id)
);
CREATE INDEX net_port_sgs_group ON net_port_security_groups (security_group_id);
CREATE TABLE net_quotas (
  project_id TEXT NOT NULL, resource TEXT NOT NULL, hard_limit BIGINT NOT NULL, PRIMARY KEY (project_id, resource)
);
CREATE TABLE net_dhcp_status (
  network_id TEXT PRIMARY KEY, host TEXT NOT NULL, state TEXT NOT NULL, interface TEXT NOT NULL,
  pid INTEGER, restarts INTEGER NOT NULL, hosts INTEGER NOT NULL, message TEXT NOT NULL, updated_at BIGINT NOT NULL
)`;

export const networkMigrations: Migration[] = [
  { id: '0001_initial', sql: { sqlite: schema(''), postgres: schema('COLLATE "C"') } },
];
