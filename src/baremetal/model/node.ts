// The node record and its fields: which microversion shows each, which a list shows; PATCH's read-only ones.
import { INTERFACE_FIELD_VERSION, INTERFACES, type InterfaceName } from './hardware-types.ts';
import type { ProvisionState } from './provision.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Dict = Record<string, Json>;
export type PowerState = 'power on' | 'power off' | null;

export interface Node {
  uuid: string;
  name: string | null;
  driver: string;
  driver_info: Dict;
  driver_internal_info: Dict;
  properties: Dict;
  extra: Dict;
  instance_info: Dict;
  instance_uuid: string | null;
  provision_state: ProvisionState;
  target_provision_state: ProvisionState | null;
  provision_updated_at: string | null;
  power_state: PowerState;
  target_power_state: string | null;
  last_error: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  fault: string | null;
  console_enabled: boolean;
  reservation: string | null;
  conductor_group: string;
  resource_class: string | null;
  traits: string[];
  clean_step: Dict;
  deploy_step: Dict;
  raid_config: Dict;
  target_raid_config: Dict;
  interfaces: Record<InterfaceName, string>;
  owner: string | null;
  lessee: string | null;
  protected: boolean;
  protected_reason: string | null;
  retired: boolean;
  retired_reason: string | null;
  description: string | null;
  allocation_uuid: string | null;
  automated_clean: boolean | null;
  boot_mode: string | null;
  secure_boot: boolean | null;
  network_data: Dict;
  inspection_started_at: string | null;
  inspection_finished_at: string | null;
  chassis_uuid: string | null;
  created_at: string;
  updated_at: string | null;
}

/** Microversion that added each optional field; fields absent here exist since 1.1. */
export const FIELD_VERSION: Readonly<Record<string, number>> = {
  name: 5,
  inspection_started_at: 6,
  inspection_finished_at: 6,
  clean_step: 7,
  raid_config: 12,
  target_raid_config: 12,
  resource_class: 21,
  portgroups: 24,
  volume: 32,
  traits: 37,
  fault: 42,
  deploy_step: 44,
  conductor_group: 46,
  automated_clean: 47,
  protected: 48,
  protected_reason: 48,
  conductor: 49,
  owner: 50,
  description: 51,
  allocation_uuid: 52,
  retired: 61,
  retired_reason: 61,
  lessee: 65,
  network_data: 66,
  boot_mode: 75,
  secure_boot: 75,
  ...Object.fromEntries(INTERFACES.map((i) => [`${i}_interface`, INTERFACE_FIELD_VERSION[i]])),
};

export const fieldAvailable = (field: string, minor: number) => (FIELD_VERSION[field] ?? 1) <= minor;

/** Every field of the full node view, in Ironic's order. */
export const NODE_FIELDS = [
  'uuid',
  'name',
  'driver',
  'driver_info',
  'driver_internal_info',
  'properties',
  'extra',
  'instance_info',
  'instance_uuid',
  'provision_state',
  'target_provision_state',
  'provision_updated_at',
  'power_state',
  'target_power_state',
  'last_error',
  'maintenance',
  'maintenance_reason',
  'fault',
  'console_enabled',
  'reservation',
  'conductor',
  'conductor_group',
  'resource_class',
  'traits',
  'clean_step',
  'deploy_step',
  'raid_config',
  'target_raid_config',
  ...INTERFACES.map((i) => `${i}_interface`),
  'owner',
  'lessee',
  'protected',
  'protected_reason',
  'retired',
  'retired_reason',
  'description',
  'allocation_uuid',
  'automated_clean',
  'boot_mode',
  'secure_boot',
  'network_data',
  'inspection_started_at',
  'inspection_finished_at',
  'chassis_uuid',
  'created_at',
  'updated_at',
  'links',
  'ports',
  'portgroups',
  'states',
  'volume',
] as const;

/** The six fields of a list without `fields` or `detail` (uuid, name, ... and links). */
export const LIST_FIELDS = ['uuid', 'name', 'instance_uuid', 'power_state', 'provision_state', 'maintenance'];

/** What a client may never set through PATCH (Ironic's internal attributes). */
export const READ_ONLY = new Set([
  'uuid',
  'id',
  'created_at',
  'updated_at',
  'provision_state',
  'target_provision_state',
  'provision_updated_at',
  'power_state',
  'target_power_state',
  'last_error',
  'reservation',
  'conductor',
  'console_enabled',
  'driver_internal_info',
  'inspection_started_at',
  'inspection_finished_at',
  'clean_step',
  'deploy_step',
  'raid_config',
  'target_raid_config',
  'traits',
  'allocation_uuid',
  'fault',
  'boot_mode',
  'secure_boot',
  'links',
  'ports',
  'portgroups',
  'states',
  'volume',
]);
