// A new node from a create body: only creatable fields of this microversion, each checked; the interfaces
// default to the hardware type's first.
import { INTERFACES, type InterfaceName } from './hardware-types.ts';
import { fieldAvailable, type Node } from './node.ts';
import {
  bool,
  checkName,
  dict,
  hardwareType,
  isUuid,
  NodeInputError,
  optString,
  setInterface,
  uuidOrNull,
} from './node-input.ts';
import type { ProvisionState } from './provision.ts';

const CREATABLE = new Set([
  'uuid',
  'name',
  'driver',
  'driver_info',
  'properties',
  'extra',
  'instance_info',
  'instance_uuid',
  'chassis_uuid',
  'resource_class',
  'conductor_group',
  'owner',
  'lessee',
  'description',
  'automated_clean',
  'protected',
  'protected_reason',
  'retired',
  'retired_reason',
  'network_data',
  'maintenance',
  'maintenance_reason',
  ...INTERFACES.map((i) => `${i}_interface`),
]);

/** Builds a new node from a create body; the caller supplies the uuid, time and initial state. */
export function newNode(
  body: Record<string, unknown>,
  minor: number,
  init: { uuid: string; now: string; state: ProvisionState; defaultResourceClass: string | null },
): Node {
  for (const k of Object.keys(body)) {
    if (!CREATABLE.has(k)) throw new NodeInputError(`Unknown attribute for node: ${k}`);
    if (!fieldAvailable(k, minor)) throw new NodeInputError(`The field ${k} needs a newer API version.`, 406);
  }
  if (body.driver === undefined) throw new NodeInputError('Mandatory field missing: driver');
  const hw = hardwareType(body.driver);
  if (body.uuid !== undefined && (typeof body.uuid !== 'string' || !isUuid(body.uuid)))
    throw new NodeInputError(`Expected a UUID but received ${JSON.stringify(body.uuid)}.`);
  const node: Node = {
    uuid: typeof body.uuid === 'string' ? body.uuid.toLowerCase() : init.uuid,
    name: body.name === undefined ? null : checkName(body.name),
    driver: hw.name,
    driver_info: dict('driver_info', body.driver_info),
    driver_internal_info: {},
    properties: dict('properties', body.properties),
    extra: dict('extra', body.extra),
    instance_info: dict('instance_info', body.instance_info),
    instance_uuid: body.instance_uuid === undefined ? null : uuidOrNull('instance_uuid', body.instance_uuid),
    provision_state: init.state,
    target_provision_state: null,
    provision_updated_at: null,
    power_state: null,
    target_power_state: null,
    last_error: null,
    maintenance: body.maintenance === undefined ? false : bool('maintenance', body.maintenance),
    maintenance_reason: optString('maintenance_reason', body.maintenance_reason),
    fault: null,
    console_enabled: false,
    reservation: null,
    conductor_group: (optString('conductor_group', body.conductor_group) ?? '').toLowerCase(),
    resource_class: optString('resource_class', body.resource_class, 80) ?? init.defaultResourceClass,
    traits: [],
    clean_step: {},
    deploy_step: {},
    raid_config: {},
    target_raid_config: {},
    interfaces: Object.fromEntries(INTERFACES.map((i) => [i, hw.supported[i][0]])) as Record<
      InterfaceName,
      string
    >,
    owner: optString('owner', body.owner),
    lessee: optString('lessee', body.lessee),
    protected: false,
    protected_reason: null,
    retired: body.retired === undefined ? false : bool('retired', body.retired),
    retired_reason: optString('retired_reason', body.retired_reason),
    description: optString('description', body.description, 4096),
    allocation_uuid: null,
    automated_clean: body.automated_clean == null ? null : bool('automated_clean', body.automated_clean),
    boot_mode: null,
    secure_boot: null,
    network_data: dict('network_data', body.network_data),
    inspection_started_at: null,
    inspection_finished_at: null,
    chassis_uuid: body.chassis_uuid == null ? null : uuidOrNull('chassis_uuid', body.chassis_uuid),
    created_at: init.now,
    updated_at: null,
  };
  for (const i of INTERFACES) {
    const v = body[`${i}_interface`];
    if (v !== undefined && v !== null) setInterface(node, hw, i, v);
  }
  if (body.protected !== undefined) throw new NodeInputError('Protected can only be set on an active node.');
  return node;
}
