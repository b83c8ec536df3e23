// A JSON patch applied to a node: the shared applier over the node's API document, then each changed field
// checked as on create, state rules (protected, maintenance), and the interfaces a new hardware type resets.
import { INTERFACES, type InterfaceName } from './hardware-types.ts';
import { applyPatch, changedFields, type PatchDoc, type PatchOp, patchField } from './json-patch.ts';
import { fieldAvailable, NODE_FIELDS, type Node, READ_ONLY } from './node.ts';
import {
  bool,
  checkName,
  dict,
  hardwareType,
  NodeInputError,
  optString,
  setInterface,
  uuidOrNull,
} from './node-input.ts';

/** The node as its API document: the patch's paths name these fields. */
function nodeDoc(node: Node): PatchDoc {
  const doc: PatchDoc = {};
  const view = node as unknown as Record<string, unknown>;
  for (const f of NODE_FIELDS)
    doc[f] = f.endsWith('_interface')
      ? node.interfaces[f.slice(0, -'_interface'.length) as InterfaceName]
      : (view[f] ?? null);
  return doc;
}

/** Applies a JSON patch to a copy of the node; the caller stores the result only when nothing threw. */
export function patchNode(node: Node, ops: readonly PatchOp[], minor: number): Node {
  for (const op of ops) {
    const field = patchField(op.path);
    if (READ_ONLY.has(field))
      throw new NodeInputError(`'/${field}' is an internal attribute and can not be updated`);
    // A field a later microversion added: 406, as Ironic answers.
    if (NODE_FIELDS.includes(field as (typeof NODE_FIELDS)[number]) && !fieldAvailable(field, minor))
      throw new NodeInputError(`The field ${field} needs a newer API version.`, 406);
  }
  const before = nodeDoc(node);
  const after = applyPatch(before, ops);
  const out: Node = structuredClone(node);
  const explicitInterfaces = new Set<InterfaceName>();
  // The driver first: the interfaces the patch names are checked against the new hardware type.
  const changed = changedFields(before, after).sort(
    (a, b) => Number(b === 'driver') - Number(a === 'driver'),
  );
  for (const field of changed) {
    const value = after[field];
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
