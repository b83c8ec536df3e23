// Ports: a node's NICs by MAC (lower-cased, unique), PXE flag, switch connection and physical network.
import { applyPatch, changedFields, type PatchDoc, type PatchOp, patchField } from './json-patch.ts';
import type { Dict } from './node.ts';
import { isUuid, NodeInputError } from './node-input.ts';

export interface Port {
  uuid: string;
  address: string;
  node_uuid: string;
  portgroup_uuid: string | null;
  pxe_enabled: boolean;
  local_link_connection: Dict;
  physical_network: string | null;
  internal_info: Dict;
  extra: Dict;
  is_smartnic: boolean;
  created_at: string;
  updated_at: string | null;
}

/** Microversion that added each optional port field. */
export const PORT_FIELD_VERSION: Readonly<Record<string, number>> = {
  pxe_enabled: 19,
  local_link_connection: 19,
  internal_info: 18,
  portgroup_uuid: 24,
  physical_network: 34,
  is_smartnic: 53,
};

export const PORT_FIELDS = [
  'uuid',
  'address',
  'node_uuid',
  'portgroup_uuid',
  'pxe_enabled',
  'local_link_connection',
  'physical_network',
  'internal_info',
  'extra',
  'is_smartnic',
  'created_at',
  'updated_at',
  'links',
] as const;

export const PORT_LIST_FIELDS = ['uuid', 'address'];

const MAC_RE = /^([0-9a-f]{2})([:-]?)([0-9a-f]{2})(\2[0-9a-f]{2}){4}$/i;

export function normaliseMac(v: unknown): string {
  if (typeof v !== 'string' || !MAC_RE.test(v))
    throw new NodeInputError(`Expected a MAC address but received ${JSON.stringify(v)}.`);
  const hex = v.replace(/[:-]/g, '').toLowerCase();
  return hex.match(/../g)!.join(':');
}

const LLC_KEYS = new Set(['switch_id', 'port_id', 'switch_info', 'network_type']);

function llc(v: unknown): Dict {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new NodeInputError('local_link_connection must be an object.');
  for (const k of Object.keys(v)) {
    if (!LLC_KEYS.has(k))
      throw new NodeInputError(
        `Invalid local_link_connection key "${k}": allowed are ${[...LLC_KEYS].join(', ')}.`,
      );
  }
  return v as Dict;
}

function obj(field: string, v: unknown): Dict {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new NodeInputError(`${field} must be an object.`);
  return v as Dict;
}

function optUuid(field: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !isUuid(v)) throw new NodeInputError(`${field} must be a UUID.`);
  return v.toLowerCase();
}

const CREATABLE = new Set([
  'uuid',
  'address',
  'node_uuid',
  'node',
  'portgroup_uuid',
  'pxe_enabled',
  'local_link_connection',
  'physical_network',
  'extra',
  'is_smartnic',
]);

/** A new port from a create body; `node_uuid` has already been resolved by the caller. */
export function newPort(
  body: Record<string, unknown>,
  minor: number,
  init: { uuid: string; nodeUuid: string; now: string },
): Port {
  for (const k of Object.keys(body)) {
    if (!CREATABLE.has(k)) throw new NodeInputError(`Unknown attribute for port: ${k}`);
    if ((PORT_FIELD_VERSION[k] ?? 1) > minor)
      throw new NodeInputError(`The field ${k} needs a newer API version.`, 406);
  }
  if (body.uuid !== undefined && (typeof body.uuid !== 'string' || !isUuid(body.uuid)))
    throw new NodeInputError(`Expected a UUID but received ${JSON.stringify(body.uuid)}.`);
  if (
    body.physical_network !== undefined &&
    body.physical_network !== null &&
    typeof body.physical_network !== 'string'
  )
    throw new NodeInputError('physical_network must be a string.');
  return {
    uuid: typeof body.uuid === 'string' ? body.uuid.toLowerCase() : init.uuid,
    address: normaliseMac(body.address),
    node_uuid: init.nodeUuid,
    portgroup_uuid: optUuid('portgroup_uuid', body.portgroup_uuid),
    pxe_enabled: body.pxe_enabled === undefined ? true : body.pxe_enabled === true,
    local_link_connection: llc(body.local_link_connection),
    physical_network: (body.physical_network as string | null | undefined) ?? null,
    internal_info: {},
    extra: obj('extra', body.extra),
    is_smartnic: body.is_smartnic === true,
    created_at: init.now,
    updated_at: null,
  };
}

export const PORT_READ_ONLY = new Set(['uuid', 'created_at', 'updated_at', 'internal_info', 'links']);

/** Applies a port JSON patch (the shared applier over the port's fields, each changed one checked). */
export function patchPort(port: Port, ops: readonly PatchOp[], minor: number): Port {
  for (const op of ops) {
    const field = patchField(op.path);
    if (PORT_READ_ONLY.has(field))
      throw new NodeInputError(`'/${field}' is an internal attribute and can not be updated`);
    if ((PORT_FIELD_VERSION[field] ?? 1) > minor)
      throw new NodeInputError(`The field ${field} needs a newer API version.`, 406);
    if (op.op === 'remove' && (op.path === '/address' || op.path === '/node_uuid'))
      throw new NodeInputError(`'${op.path}' is a mandatory attribute and can not be removed`);
  }
  const before = { ...port } as unknown as PatchDoc;
  const after = applyPatch(before, ops);
  const out: Port = structuredClone(port);
  for (const field of changedFields(before, after)) setPortField(out, field, after[field]);
  return out;
}

function setPortField(out: Port, field: string, v: unknown) {
  switch (field) {
    case 'address':
      out.address = normaliseMac(v);
      break;
    case 'node_uuid':
      if (typeof v !== 'string' || !isUuid(v)) throw new NodeInputError('node_uuid must be a UUID.');
      out.node_uuid = v.toLowerCase();
      break;
    case 'pxe_enabled':
      out.pxe_enabled = v === undefined ? true : v === true || v === 'true' || v === 'True';
      break;
    case 'physical_network':
      if (v !== undefined && v !== null && typeof v !== 'string')
        throw new NodeInputError('physical_network must be a string.');
      out.physical_network = (v as string | undefined) ?? null;
      break;
    case 'local_link_connection':
      out.local_link_connection = llc(v);
      break;
    case 'extra':
      out.extra = obj('extra', v);
      break;
    case 'portgroup_uuid':
      out.portgroup_uuid = optUuid(field, v);
      break;
    case 'is_smartnic':
      out.is_smartnic = v === true;
      break;
    default:
      throw new NodeInputError(`'/${field}' can not be updated`);
  }
}
