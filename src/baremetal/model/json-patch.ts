// The one JSON patch (RFC 6902 add, replace, remove) of the bare metal API, as Ironic applies it to nodes,
// ports, port groups and chassis: the body checked as Ironic's patch schema checks it, then applied to
// the resource's API document one operation at a time with the python jsonpatch library's rules.
import { NodeInputError } from './node-input.ts';

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

export type PatchDoc = Record<string, unknown>;

// Ironic's schema: each path is one or more "/word" segments, so '/', '~0'/'~1' escapes and dots are refused.
const PATH = /^(\/[\p{L}\p{N}_-]+)+$/u;
const OP_KEYS = new Set(['op', 'path', 'value']);

export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body) || body.length === 0)
    throw new NodeInputError('The patch must be a non-empty JSON list of operations.');
  return body.map((raw) => {
    const p = raw as PatchOp;
    if (typeof p !== 'object' || p === null || Array.isArray(p) || typeof p.path !== 'string')
      throw new NodeInputError(`Invalid patch operation: ${JSON.stringify(raw)}`);
    for (const k of Object.keys(p))
      if (!OP_KEYS.has(k))
        throw new NodeInputError(
          `Schema error for patch: Additional properties are not allowed ('${k}' was unexpected)`,
        );
    if (!PATH.test(p.path))
      throw new NodeInputError(`Schema error for patch: '${p.path}' does not match '^(/[\\w-]+)+$'`);
    if (!['add', 'replace', 'remove'].includes(p.op))
      throw new NodeInputError(
        `Schema error for patch: '${String(p.op)}' is not one of ['add', 'replace', 'remove']`,
      );
    if (p.op !== 'remove' && !('value' in p))
      throw new NodeInputError(`'add' and 'replace' operations need a value (path ${p.path}).`);
    return p;
  });
}

// A pointer segment: '~1' is '/', '~0' is '~' (RFC 6901).
const decodeSegment = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The top-level field a path names ('/extra/a/b' → 'extra'). */
export const patchField = (path: string) => decodeSegment(path.slice(1).split('/')[0] ?? '');

/** Python's repr of an operation, as Ironic quotes it in "Couldn't apply patch". */
function opRepr(op: PatchOp): string {
  const value = 'value' in op ? `, 'value': ${JSON.stringify(op.value)}` : '';
  return `{'op': '${op.op}', 'path': '${op.path}'${value}}`;
}

class PatchConflict extends Error {}

/**
 * A patch that does not apply to the resource (Ironic's PatchError): its own type, so the API maps it to
 * the 400 body and nothing else mistakes it for a field's input error.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}

/**
 * Applies the operations to a copy of the document and returns it; the caller's document is untouched.
 * An add may not create a new root attribute nor missing parents; replace and remove need the member.
 */
export function applyPatch(doc: PatchDoc, ops: readonly PatchOp[]): PatchDoc {
  for (const op of ops)
    if (op.op === 'add' && op.path.split('/').length === 2 && !(patchField(op.path) in doc))
      throw new PatchError(`Adding a new attribute (${op.path}) to the root of the resource is not allowed`);
  const out = structuredClone(doc);
  for (const op of ops) {
    try {
      applyOne(out, op);
    } catch (e) {
      if (!(e instanceof PatchConflict)) throw e;
      throw new PatchError(`Couldn't apply patch '${opRepr(op)}'. Reason: ${e.message}`);
    }
  }
  return out;
}

function applyOne(doc: PatchDoc, op: PatchOp) {
  const parts = op.path.slice(1).split('/').map(decodeSegment);
  const last = parts.pop() ?? '';
  let parent: unknown = doc;
  for (const part of parts) parent = walk(parent, part);
  if (Array.isArray(parent)) return applyToList(parent, last, op);
  if (typeof parent !== 'object' || parent === null)
    throw new PatchConflict(`unable to fully resolve json pointer ${op.path}, part ${last}`);
  const obj = parent as Record<string, unknown>;
  if (op.op === 'add') obj[last] = structuredClone(op.value);
  else if (!Object.hasOwn(obj, last))
    throw new PatchConflict(`can't ${op.op} a non-existent object '${last}'`);
  else if (op.op === 'replace') obj[last] = structuredClone(op.value);
  else delete obj[last];
}

function walk(node: unknown, part: string): unknown {
  if (Array.isArray(node)) {
    const i = listIndex(node, part, false);
    return node[i];
  }
  if (typeof node !== 'object' || node === null)
    throw new PatchConflict(
      `Document '${JSON.stringify(node)}' does not support indexing, must be mapping/sequence`,
    );
  const obj = node as Record<string, unknown>;
  if (!Object.hasOwn(obj, part))
    throw new PatchConflict(`member '${part}' not found in ${JSON.stringify(obj)}`);
  return obj[part];
}

function listIndex(list: unknown[], part: string, forAdd: boolean): number {
  if (forAdd && part === '-') return list.length;
  if (!/^(0|[1-9][0-9]*)$/.test(part)) throw new PatchConflict(`'${part}' is not a valid sequence index`);
  const i = Number(part);
  if (i > list.length || (!forAdd && i === list.length))
    throw new PatchConflict(`index '${part}' is out of bounds`);
  return i;
}

function applyToList(list: unknown[], last: string, op: PatchOp) {
  const i = listIndex(list, last, op.op === 'add');
  if (op.op === 'add') list.splice(i, 0, structuredClone(op.value));
  else if (op.op === 'replace') list[i] = structuredClone(op.value);
  else list.splice(i, 1);
}

/** The top-level fields whose value the patch changed or removed, in the document's field order. */
export function changedFields(before: PatchDoc, after: PatchDoc): string[] {
  return Object.keys(before).filter(
    (k) => !Object.hasOwn(after, k) || JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
}
