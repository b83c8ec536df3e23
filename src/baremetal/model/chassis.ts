// A chassis: a description and extra grouping nodes. The rules of its create body and its JSON patch.
import { invalid } from './errors.ts';
import { applyPatch, changedFields, type PatchDoc, type PatchOp, patchField } from './json-patch.ts';
import type { Dict } from './node.ts';
import { dict, isUuid, NodeInputError } from './node-input.ts';

const CHASSIS_READ_ONLY = new Set(['uuid', 'created_at', 'updated_at', 'links', 'nodes']);

export interface Chassis {
  uuid: string;
  description: string | null;
  extra: Dict;
  created_at: string;
  updated_at: string | null;
}

function describe(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 255)
    throw invalid('description must be a string of at most 255 characters.');
  return v;
}

/** A new chassis from a create body; the caller supplies the uuid (unless the body names one) and time. */
export function newChassis(body: Record<string, unknown>, init: { uuid: string; now: string }): Chassis {
  for (const k of Object.keys(body))
    if (!['uuid', 'description', 'extra'].includes(k)) throw invalid(`Unknown attribute for chassis: ${k}`);
  if (body.uuid !== undefined && (typeof body.uuid !== 'string' || !isUuid(body.uuid)))
    throw invalid('Invalid chassis uuid.');
  if (
    body.extra !== undefined &&
    (typeof body.extra !== 'object' || body.extra === null || Array.isArray(body.extra))
  )
    throw invalid('extra must be an object.');
  return {
    uuid: (body.uuid as string | undefined)?.toLowerCase() ?? init.uuid,
    description: describe(body.description),
    extra: (body.extra as Chassis['extra'] | undefined) ?? {},
    created_at: init.now,
    updated_at: null,
  };
}

/** Applies a JSON patch (the shared applier over description and extra) to the chassis in place. */
export function patchChassis(c: Chassis, ops: readonly PatchOp[]): void {
  for (const op of ops) {
    const field = patchField(op.path);
    if (CHASSIS_READ_ONLY.has(field))
      throw new NodeInputError(`'/${field}' is an internal attribute and can not be updated`);
  }
  const before: PatchDoc = { ...c };
  const after = applyPatch(before, ops);
  for (const field of changedFields(before, after)) {
    const v = after[field];
    if (field === 'description') c.description = describe(v);
    else if (field === 'extra') c.extra = dict('extra', v);
  }
}
