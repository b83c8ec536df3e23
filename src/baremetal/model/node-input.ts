// The checks a node's fields pass on create and on PATCH, and the error they throw (400, 406 or 409).
import { HARDWARE_TYPES, type HardwareType, type InterfaceName } from './hardware-types.ts';
import type { Dict, Node } from './node.ts';

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

export function dict(field: string, v: unknown): Dict {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new NodeInputError(`Invalid ${field}: must be a JSON object.`);
  return v as Dict;
}
export function optString(field: string, v: unknown, max = 255): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max)
    throw new NodeInputError(`Invalid ${field}: expected a string of at most ${max} characters.`);
  return v;
}
export function bool(field: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new NodeInputError(`Invalid ${field}: expected a boolean, got ${JSON.stringify(v)}.`);
}

export function setInterface(node: Node, hw: HardwareType, iface: InterfaceName, v: unknown) {
  const allowed = hw.supported[iface];
  if (typeof v !== 'string' || !allowed.includes(v))
    throw new NodeInputError(
      `Could not find the following interface in the 'ironic.hardware.interfaces.${iface}' entrypoint: ` +
        `${String(v)}. Valid interfaces for hardware type ${hw.name}: ${allowed.join(', ')}.`,
    );
  node.interfaces[iface] = v;
}

export function uuidOrNull(field: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !isUuid(v)) throw new NodeInputError(`Invalid ${field}: expected a UUID.`);
  return v.toLowerCase();
}
