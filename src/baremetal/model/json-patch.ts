// A JSON-patch body (RFC 6902 add, replace and remove), as nodes, ports, port groups and chassis take it.
import { NodeInputError } from './node-input.ts';

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
