// A chassis: a description and extra grouping nodes. The rules of its create body and its JSON patch.
import { invalid } from './errors.ts';
import type { PatchOp } from './json-patch.ts';
import type { Dict } from './node.ts';
import { isUuid } from './node-input.ts';

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

/** Applies a JSON patch (the description, extra or one of its keys) to the chassis in place. */
export function patchChassis(c: Chassis, ops: readonly PatchOp[]): void {
  for (const op of ops) {
    const [field, ...rest] = op.path.slice(1).split('/');
    const v = op.op === 'remove' ? undefined : op.value;
    if (field === 'description' && rest.length === 0) c.description = describe(v);
    else if (field === 'extra' && rest.length > 0) {
      if (v === undefined) delete c.extra[rest.join('/')];
      else c.extra[rest.join('/')] = v as Chassis['extra'][string];
    } else if (field === 'extra') c.extra = (v as Chassis['extra'] | undefined) ?? {};
    else throw invalid(`'/${field}' can not be updated`);
  }
}
