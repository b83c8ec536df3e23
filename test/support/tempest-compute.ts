// tempest's compute API tests that apply to bare metal (Debian's tempest 33), against a seed with sim nodes
// behind the flavors: servers, flavors, keypairs, quotas, limits, server groups, availability zones,
// hypervisors. Features docs/compute.md lists as absent are off in [compute-feature-enabled] (tempest then
// skips their tests) or left out here by name, each with its reason (the same list is in docs/compute.md).
import type { TempestSuite } from './tempest.ts';

const any = (parts: string[]) => `(${parts.join('|')})`;

const MODULES = [
  'keypairs\\.',
  'flavors\\.',
  'limits\\.',
  'test_quotas',
  'test_versions',
  'servers\\.test_availability_zone',
  'servers\\.test_server_group',
  'servers\\.test_create_server',
  'servers\\.test_servers',
  'servers\\.test_server_metadata',
  'servers\\.test_server_tags',
  'servers\\.test_instance_actions',
  'servers\\.test_delete_server',
  'servers\\.test_list_server_filters',
  'servers\\.test_list_servers_negative',
  'servers\\.test_multiple_create',
  'servers\\.test_server_addresses',
  'servers\\.test_server_actions',
  'servers\\.test_disk_config',
  'admin\\.test_flavors',
  'admin\\.test_keypairs_v210',
  'admin\\.test_quotas',
  'admin\\.test_availability_zone',
  'admin\\.test_hypervisor',
  'admin\\.test_servers',
  'admin\\.test_delete_server',
];

export const COMPUTE_SUITE: TempestSuite = {
  regex: `^tempest\\.api\\.compute\\.${any(MODULES)}`,
  exclude: [
    // Boot from volume: no volume service (block_device_mapping_v2 is refused).
    'ServersTestBootFromVolume',
    'test_create_server_with_volume',
    // Per-user quotas are not kept (setting one is refused with 400).
    'test_get_updated_quotas',
    // Several compute hosts (servers on multinodes): one compute host fronts every node.
    'test_servers_on_multinodes',
    // Lock/unlock, add/removeSecurityGroup and restore (soft delete) are not served (400 no such action).
    'test_lock_unlock_server',
    'test_remove_server_all_security_groups',
    'test_restore_server_invalid_state',
    // No soft delete: a deleted server's actions go with it.
    'test_get_list_deleted_instance_actions',
    // The legacy v2.0 API is not served; discovery lists v2.1 only.
    'TestVersions\\.test_list_api_versions',
  ],
  minPassed: 150,
};

/** tempest.conf's compute sections: what servers boot from, and which features are off. */
export function computeConf(c: {
  imageRef: string;
  imageRefAlt: string;
  flavorRef: string;
  flavorRefAlt: string;
  network: string;
}): string[] {
  return [
    '[auth]',
    // Tempest's per-project networks need routers, which the network service does not serve.
    'create_isolated_networks = false',
    '[compute]',
    'min_microversion = 2.1',
    'max_microversion = 2.79',
    `image_ref = ${c.imageRef}`,
    `image_ref_alt = ${c.imageRefAlt}`,
    `flavor_ref = ${c.flavorRef}`,
    `flavor_ref_alt = ${c.flavorRefAlt}`,
    `fixed_network_name = ${c.network}`,
    'build_interval = 1',
    'build_timeout = 300',
    'region = RegionOne',
    '[validation]',
    // Servers are sim nodes: nothing to ssh into.
    'run_validation = false',
    '[compute-feature-enabled]',
    // Absent (docs/compute.md): each of these features' tests is skipped by tempest.
    'personality = false',
    'console_output = false',
    'change_password = false',
    'enable_instance_password = false',
    'resize = false',
    'pause = false',
    'shelve = false',
    'suspend = false',
    'cold_migration = false',
    'live_migration = false',
    'rescue = false',
    'interface_attach = false',
    'snapshot = false',
    'attach_encrypted_volume = false',
    'vnc_console = false',
    'spice_console = false',
    'serial_console = false',
    'config_drive = true',
    'metadata_service = true',
  ];
}
