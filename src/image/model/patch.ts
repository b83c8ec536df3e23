// PATCH /v2/images/{id}: Glance's JSON-patch dialects (v2.1 is RFC 6902's {op,path,value}; v2.0 names the
// op as the key). Validates every operation first, then applies them in order to a copy. Pure.
import { AppError } from '../../platform/errors/catalogue.ts';
import {
  checkBase,
  checkProperty,
  checkPropertyCount,
  type Image,
  isReserved,
  READ_ONLY,
  readOnly,
  reserved,
  WRITABLE_BASE,
} from './image.ts';

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

export type PatchOp = { op: 'add' | 'replace'; key: string; value: unknown } | { op: 'remove'; key: string };

const bad = (msg: string) => new AppError('BAD_REQUEST', msg);

/** Parses and validates the body into operations on top-level keys. */
export function parsePatch(body: unknown, mediaType: string): PatchOp[] {
  if (!Array.isArray(body)) throw bad('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw bad('Operations must be JSON objects.');
    const change = raw as Record<string, unknown>;
    let op: unknown;
    let pointer: unknown;
    if (mediaType === PATCH_V20) {
      const ops = ['add', 'remove', 'replace'].filter((k) => k in change);
      if (ops.length !== 1)
        throw bad('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = ops[0];
      pointer = change[ops[0] as string];
    } else {
      if (!('op' in change)) throw bad("Unable to find 'op' in JSON Schema change");
      if (!('path' in change)) throw bad("Unable to find 'path' in JSON Schema change");
      op = change.op;
      pointer = change.path;
    }
    if (op !== 'add' && op !== 'remove' && op !== 'replace')
      throw bad(`Invalid operation: \`${String(op)}\`.`);
    if (typeof pointer !== 'string') throw bad('Pointer must be a string.');
    const key = decodePointer(pointer);
    if (READ_ONLY.has(key) || key === 'id') throw readOnly(key);
    if (isReserved(key)) throw reserved(key);
    if (op === 'remove') return { op, key };
    if (!('value' in change)) throw bad(`Operation "${op}" requires a member named "value".`);
    return { op, key, value: change.value };
  });
}

/** A JSON pointer to one top-level key ("/name", "/kernel_id"), with ~1 and ~0 escapes. */
export function decodePointer(pointer: string): string {
  if (!pointer.startsWith('/')) throw bad(`Pointer \`${pointer}\` does not start with "/".`);
  if (/~[^01]|~$/.test(pointer))
    throw bad(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  const parts = pointer.slice(1).split('/');
  if (parts.length !== 1 || parts[0] === '')
    throw bad(`Invalid JSON pointer for this resource: '${pointer}'`);
  return (parts[0] as string).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Applies the operations to a copy of the image (Glance's _do_add/_do_replace/_do_remove). */
export function applyPatch(img: Image, ops: readonly PatchOp[]): Image {
  const out: Image = { ...img, properties: { ...img.properties }, tags: [...img.tags] };
  const base = out as unknown as Record<string, unknown>;
  for (const change of ops) {
    const { key } = change;
    if (WRITABLE_BASE.has(key)) {
      if (change.op === 'remove') throw new AppError('FORBIDDEN', `Property ${key} may not be removed.`);
      const value = checkBase(key, change.value);
      if (
        (key === 'disk_format' || key === 'container_format') &&
        out.status !== 'queued' &&
        value !== base[key]
      )
        throw new AppError('FORBIDDEN', `Attribute ${key} can be only replaced for a queued image.`);
      base[key] = value;
    } else if (change.op === 'remove' || change.op === 'replace') {
      if (!(key in out.properties)) throw new AppError('CONFLICT', `Property ${key} does not exist.`);
      if (change.op === 'remove') delete out.properties[key];
      else out.properties[key] = checkProperty(key, change.value);
    } else {
      // v2.1 "add" of an existing property replaces it, as RFC 6902 says.
      out.properties[key] = checkProperty(key, change.value);
    }
  }
  checkPropertyCount(out.properties);
  return out;
}
