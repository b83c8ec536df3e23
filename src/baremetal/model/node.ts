// The node record, its fields by microversion, and the pure rules of create and JSON-patch.
import {
  HARDWARE_TYPES,
  type HardwareType,
  INTERFACE_FIELD_VERSION,
  INTERFACES,
  type InterfaceName,
} from './hardware-types.ts';
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

export class NodeInputError extends Error {
  /** 400 bad input, 406 a field this microversion does not know, 409 a change the node's state forbids. */
  readonly status: 400 | 406 | 409;
  constructor(message: string, status: 400 | 406 | 409 = 400) {
    super(message);
    this.status = status;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID_RE.test(s);
const NAME_RE = /^[a-zA-Z0-9\-._~]{1,255}$/;
const TRAIT_RE = /^(CUSTOM_[A-Z0-9_]+|[A-Z][A-Z0-9_]*)$/;

export function checkName(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !NAME_RE.test(v) || isUuid(v))
    throw new NodeInputError(`Expected a logical name but received ${JSON.stringify(v)}.`);
  return v;
}

export function checkTrait(v: unknown): string {
  if (typeof v !== 'string' || v.length > 255 || !TRAIT_RE.test(v))
    throw new NodeInputError(
      `Invalid trait ${JSON.stringify(v)}: a trait is an os-traits name or CUSTOM_[A-Z0-9_]+.`,
    );
  return v;
}

export function hardwareType(driver: unknown): HardwareType {
  const hw = typeof driver === 'string' ? HARDWARE_TYPES.get(driver) : undefined;
  if (!hw)
    throw new NodeInputError(
      `Could not find the following driver(s) or hardware type(s): ${String(driver)}. ` +
        `Available: ${[...HARDWARE_TYPES.keys()].join(', ')}.`,
    );
  return hw;
}

function dict(field: string, v: unknown): Dict {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new NodeInputError(`Invalid ${field}: must be a JSON object.`);
  return v as Dict;
}
function optString(field: string, v: unknown, max = 255): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max)
    throw new NodeInputError(`Invalid ${field}: expected a string of at most ${max} characters.`);
  return v;
}
function bool(field: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new NodeInputError(`Invalid ${field}: expected a boolean, got ${JSON.stringify(v)}.`);
}

function setInterface(node: Node, hw: HardwareType, iface: InterfaceName, v: unknown) {
  const allowed = hw.supported[iface];
  if (typeof v !== 'string' || !allowed.includes(v))
    throw new NodeInputError(
      `Could not find the following interface in the 'ironic.hardware.interfaces.${iface}' entrypoint: ` +
        `${String(v)}. Valid interfaces for hardware type ${hw.name}: ${allowed.join(', ')}.`,
    );
  node.interfaces[iface] = v;
}

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

function uuidOrNull(field: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !isUuid(v)) throw new NodeInputError(`Invalid ${field}: expected a UUID.`);
  return v.toLowerCase();
}

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body) || body.length === 0)
    throw new NodeInputError('The patch must be a non-empty JSON list of operations.');
  return body.map((raw) => {
    const p = raw as PatchOp;
    if (typeof p !== 'object' || p === null || typeof p.path !== 'string' || !p.path.startsWith('/'))
      throw new NodeInputError(`Invalid patch operation: ${JSON.stringify(raw)}`);
    if (!['add', 'replace', 'remove'].includes(p.op))
      throw new NodeInputError(
        `Invalid patch operation "${String(p.op)}": only add, replace and remove are supported.`,
      );
    if (p.op !== 'remove' && !('value' in p))
      throw new NodeInputError(`'add' and 'replace' operations need a value (path ${p.path}).`);
    return p;
  });
}

const DICT_FIELDS = new Set(['driver_info', 'properties', 'extra', 'instance_info', 'network_data']);

/** Applies a JSON patch to a copy of the node; the caller stores the result only when nothing threw. */
export function patchNode(node: Node, ops: readonly PatchOp[], minor: number): Node {
  const out: Node = structuredClone(node);
  const view = out as unknown as Record<string, unknown>;
  const explicitInterfaces = new Set<InterfaceName>();
  for (const op of ops) {
    const parts = op.path
      .slice(1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const field = parts[0] ?? '';
    if (READ_ONLY.has(field))
      throw new NodeInputError(`'/${field}' is an internal attribute and can not be updated`);
    if (!NODE_FIELDS.includes(field as (typeof NODE_FIELDS)[number]))
      throw new NodeInputError(`Invalid patch path: the node has no attribute '/${field}'.`);
    // A field a later microversion added: 406, as Ironic answers.
    if (!fieldAvailable(field, minor))
      throw new NodeInputError(`The field ${field} needs a newer API version.`, 406);
    if (parts.length > 1) {
      if (!DICT_FIELDS.has(field))
        throw new NodeInputError(`Invalid patch path ${op.path}: '${field}' is not a dictionary.`);
      patchNested(view[field] as Dict, parts.slice(1), op);
      continue;
    }
    const value = op.op === 'remove' ? undefined : op.value;
    if (field.endsWith('_interface')) {
      const iface = field.slice(0, -'_interface'.length) as InterfaceName;
      const hw = hardwareType(out.driver);
      setInterface(out, hw, iface, value ?? hw.supported[iface][0]);
      explicitInterfaces.add(iface);
      continue;
    }
    setTopLevel(out, field, value);
  }
  if (out.protected_reason !== null && !out.protected)
    throw new NodeInputError('Cannot set protected_reason when the node is not protected.');
  if (out.driver !== node.driver) {
    // A new hardware type resets the interfaces the patch did not choose (Ironic's reset_interfaces).
    const hw = hardwareType(out.driver);
    for (const i of INTERFACES) {
      if (explicitInterfaces.has(i)) continue;
      out.interfaces[i] = hw.supported[i].includes(node.interfaces[i])
        ? node.interfaces[i]
        : (hw.supported[i][0] ?? '');
    }
  }
  return out;
}

function patchNested(target: Dict, path: string[], op: PatchOp) {
  let obj = target;
  for (const key of path.slice(0, -1)) {
    const next = obj[key];
    if (next === undefined && op.op === 'add') {
      obj[key] = {};
    } else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new NodeInputError(`Invalid patch path: '${key}' is not an object.`);
    }
    obj = obj[key] as Dict;
  }
  const last = path[path.length - 1] ?? '';
  if (op.op === 'remove') {
    if (!(last in obj)) throw new NodeInputError(`Can't remove non-existent object '${last}'`);
    delete obj[last];
  } else if (op.op === 'replace' && !(last in obj)) {
    throw new NodeInputError(`Can't replace non-existent object '${last}'`);
  } else {
    obj[last] = op.value as Json;
  }
}

function setTopLevel(n: Node, field: string, v: unknown) {
  switch (field) {
    case 'name':
      n.name = v === undefined ? null : checkName(v);
      return;
    case 'driver':
      if (v === undefined)
        throw new NodeInputError("'/driver' is a mandatory attribute and can not be removed");
      n.driver = hardwareType(v).name;
      return;
    case 'driver_info':
    case 'properties':
    case 'extra':
    case 'instance_info':
    case 'network_data':
      n[field] = dict(field, v);
      return;
    case 'instance_uuid':
      n.instance_uuid = v === undefined ? null : uuidOrNull(field, v);
      return;
    case 'chassis_uuid':
      n.chassis_uuid = v === undefined ? null : uuidOrNull(field, v);
      return;
    case 'maintenance':
      n.maintenance = v === undefined ? false : bool(field, v);
      if (!n.maintenance) n.maintenance_reason = null;
      return;
    case 'protected':
      n.protected = v === undefined ? false : bool(field, v);
      if (!n.protected) n.protected_reason = null;
      else if (n.provision_state !== 'active' && n.provision_state !== 'rescue')
        throw new NodeInputError('Protected can only be set in state active or rescue.', 409);
      return;
    case 'retired':
      n.retired = v === undefined ? false : bool(field, v);
      if (!n.retired) n.retired_reason = null;
      return;
    case 'automated_clean':
      n.automated_clean = v == null ? null : bool(field, v);
      return;
    case 'conductor_group':
      n.conductor_group = (optString(field, v) ?? '').toLowerCase();
      return;
    case 'resource_class':
      n.resource_class = optString(field, v, 80);
      return;
    case 'description':
      n.description = optString(field, v, 4096);
      return;
    case 'maintenance_reason':
    case 'protected_reason':
    case 'retired_reason':
    case 'owner':
    case 'lessee':
      n[field] = optString(field, v);
      return;
  }
  throw new NodeInputError(`'/${field}' can not be updated`);
}
