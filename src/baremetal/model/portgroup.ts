// Port groups (1.23): a node's bonded NICs. A group has an optional MAC (unique among groups), an optional
// logical name (unique), the bond `mode` and `properties` (1.26), and whether its ports may also be used
// on their own (`standalone_ports_supported`). Ports join a group through their `portgroup_uuid` (1.24).

import { applyPatch, changedFields, type PatchDoc, type PatchOp, patchField } from './json-patch.ts';
import type { Dict } from './node.ts';
import { checkName, isUuid, NodeInputError } from './node-input.ts';
import { normaliseMac } from './port.ts';

export interface Portgroup {
  uuid: string;
  name: string | null;
  address: string | null;
  node_uuid: string;
  standalone_ports_supported: boolean;
  internal_info: Dict;
  extra: Dict;
  mode: string;
  properties: Dict;
  created_at: string;
  updated_at: string | null;
}

/** Ironic's default bond mode (its [DEFAULT]default_portgroup_mode). */
export const DEFAULT_PORTGROUP_MODE = 'active-backup';

/** Microversion that added each optional field. */
export const PORTGROUP_FIELD_VERSION: Readonly<Record<string, number>> = { mode: 26, properties: 26 };

export const PORTGROUP_FIELDS = [
  'uuid',
  'address',
  'name',
  'node_uuid',
  'standalone_ports_supported',
  'internal_info',
  'extra',
  'mode',
  'properties',
  'created_at',
  'updated_at',
  'links',
  'ports',
] as const;

export const PORTGROUP_LIST_FIELDS = ['uuid', 'address', 'name'];

const CREATABLE = new Set([
  'uuid',
  'address',
  'name',
  'node_uuid',
  'standalone_ports_supported',
  'extra',
  'mode',
  'properties',
]);

const READ_ONLY = new Set(['uuid', 'created_at', 'updated_at', 'internal_info', 'links', 'ports']);

function obj(field: string, v: unknown): Dict {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new NodeInputError(`${field} must be an object.`);
  return v as Dict;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new NodeInputError(`${field} must be a boolean.`);
}

function mode(v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.length > 255)
    throw new NodeInputError('mode must be a non-empty string (a Linux bonding mode such as 802.3ad).');
  return v;
}

const address = (v: unknown) => (v === undefined || v === null ? null : normaliseMac(v));

/** A new port group from a create body; the node has already been resolved by the caller. */
export function newPortgroup(
  body: Record<string, unknown>,
  minor: number,
  init: { uuid: string; nodeUuid: string; now: string },
): Portgroup {
  for (const k of Object.keys(body)) {
    if (!CREATABLE.has(k)) throw new NodeInputError(`Unknown attribute for port group: ${k}`);
    if ((PORTGROUP_FIELD_VERSION[k] ?? 1) > minor)
      throw new NodeInputError(`The field ${k} needs a newer API version.`, 406);
  }
  if (body.uuid !== undefined && (typeof body.uuid !== 'string' || !isUuid(body.uuid)))
    throw new NodeInputError(`Expected a UUID but received ${JSON.stringify(body.uuid)}.`);
  return {
    uuid: typeof body.uuid === 'string' ? body.uuid.toLowerCase() : init.uuid,
    name: body.name === undefined ? null : checkName(body.name),
    address: address(body.address),
    node_uuid: init.nodeUuid,
    standalone_ports_supported:
      body.standalone_ports_supported === undefined
        ? true
        : bool('standalone_ports_supported', body.standalone_ports_supported),
    internal_info: {},
    extra: obj('extra', body.extra),
    mode: body.mode === undefined || body.mode === null ? DEFAULT_PORTGROUP_MODE : mode(body.mode),
    properties: obj('properties', body.properties),
    created_at: init.now,
    updated_at: null,
  };
}

/** Applies a JSON patch (the shared applier over the group's fields, each changed one checked) to a copy. */
export function patchPortgroup(pg: Portgroup, ops: readonly PatchOp[], minor: number): Portgroup {
  for (const op of ops) {
    const field = patchField(op.path);
    if (READ_ONLY.has(field))
      throw new NodeInputError(`'/${field}' is an internal attribute and can not be updated`);
    if ((PORTGROUP_FIELD_VERSION[field] ?? 1) > minor)
      throw new NodeInputError(`The field ${field} needs a newer API version.`, 406);
    if (op.op === 'remove' && op.path === '/node_uuid')
      throw new NodeInputError(`'${op.path}' is a mandatory attribute and can not be removed`);
  }
  const before = { ...pg } as unknown as PatchDoc;
  const after = applyPatch(before, ops);
  const out: Portgroup = structuredClone(pg);
  for (const field of changedFields(before, after)) setPortgroupField(out, field, after[field]);
  return out;
}

function setPortgroupField(out: Portgroup, field: string, v: unknown) {
  switch (field) {
    case 'address':
      out.address = address(v);
      break;
    case 'name':
      out.name = v === undefined ? null : checkName(v);
      break;
    case 'node_uuid':
      if (typeof v !== 'string' || !isUuid(v)) throw new NodeInputError('node_uuid must be a UUID.');
      out.node_uuid = v.toLowerCase();
      break;
    case 'standalone_ports_supported':
      out.standalone_ports_supported = v === undefined ? true : bool(field, v);
      break;
    case 'mode':
      out.mode = v === undefined || v === null ? DEFAULT_PORTGROUP_MODE : mode(v);
      break;
    case 'extra':
    case 'properties':
      out[field] = obj(field, v);
      break;
    default:
      throw new NodeInputError(`'/${field}' can not be updated`);
  }
}
