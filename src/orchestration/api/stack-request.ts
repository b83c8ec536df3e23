// What the stack routes read from a request: the body and its fields, the path parameters, and a PATCH
// (--existing) body merged over the stored definition.
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import { type Environment, mergeEnvironment } from '../model/environment.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { StackRow } from '../store/stacks.ts';
import { inputFromBody, type StackInput } from '../worker/prepare.ts';

/** The path parameters of the stack routes. */
export type StackPathParams = { tenant: string; name: string; id: string; sub?: string; key?: string };

export function body(req: FastifyRequest): JsonMap {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (!isMap(b)) throw badRequest('The request body must be a JSON object.');
  return b;
}

export function tagsOf(b: JsonMap): string[] | undefined {
  if (b.tags === undefined || b.tags === null) return undefined;
  if (Array.isArray(b.tags)) return b.tags.map(String);
  return String(b.tags)
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function timeoutOf(b: JsonMap): number | null | undefined {
  if (b.timeout_mins === undefined) return undefined;
  if (b.timeout_mins === null) return null;
  const n = Number(b.timeout_mins);
  if (!Number.isInteger(n) || n <= 0) throw badRequest(`Invalid timeout value ${String(b.timeout_mins)}`);
  return n;
}

export function boolOf(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'yes', 'on'].includes(String(v).toLowerCase());
}

/** PATCH (--existing): the stored definition with the body's changes merged over it. */
export function patchedInput(s: StackRow, b: JsonMap): StackInput {
  const incoming = inputFromBody({ ...b, template: b.template ?? s.template }, { requireTemplate: false });
  const old = s.environment as unknown as Environment;
  let env = mergeEnvironment(
    { ...old, parameters: { ...old.parameters } },
    incoming.environment as unknown as JsonMap,
    'environment',
  );
  const clear = Array.isArray(b.clear_parameters) ? b.clear_parameters.map(String) : [];
  for (const c of clear) {
    delete env.parameters[c];
    delete env.parameter_defaults[c];
  }
  env = { ...env };
  return { template: incoming.template, files: { ...s.files, ...incoming.files }, environment: env };
}
