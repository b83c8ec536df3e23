// The parameter values a stack gets: the user's value, else the environment's parameter_defaults, else the
// template default; custom constraints (glance.image, …) are returned for the caller to check over clients.
import { TemplateError } from '../errors.ts';
import type { Json } from '../template-format.ts';
import { checkValue } from './check.ts';
import type { ParamSchema } from './schema.ts';

export interface CustomCheck {
  param: string;
  constraint: string;
  value: Json;
  description?: string;
}

export interface ResolvedParams {
  values: Record<string, Json>;
  customChecks: CustomCheck[];
}

/**
 * The parameter values of a stack. `given` are the user's (and environment `parameters`), `defaults` the
 * environment's parameter_defaults. A value for a parameter the template does not declare is an error,
 * unless it came from parameter_defaults (which also reach nested templates).
 */
export function resolveParameters(
  schemas: readonly ParamSchema[],
  given: Record<string, Json>,
  defaults: Record<string, Json>,
  opts: { strictUnknown?: boolean } = {},
): ResolvedParams {
  const known = new Set(schemas.map((s) => s.name));
  if (opts.strictUnknown !== false) {
    const unknown = Object.keys(given).filter((k) => !known.has(k));
    if (unknown.length) {
      throw new TemplateError(`The Parameter (${unknown.sort().join(', ')}) was not defined in template.`, {
        type: 'UnknownUserParameter',
      });
    }
  }
  const values: Record<string, Json> = {};
  const customChecks: CustomCheck[] = [];
  for (const s of schemas) {
    const raw = s.name in given ? given[s.name] : s.name in defaults ? defaults[s.name] : s.default;
    if (raw === undefined) {
      throw new TemplateError(`The Parameter (${s.name}) was not provided.`, {
        type: 'UserParameterMissing',
      });
    }
    values[s.name] = checkValue(s, raw as Json, ['parameters', s.name]);
    for (const c of s.constraints) {
      if (c.kind === 'custom_constraint') {
        customChecks.push({
          param: s.name,
          constraint: c.name,
          value: values[s.name] as Json,
          ...(c.description ? { description: c.description } : {}),
        });
      }
    }
  }
  return { values, customChecks };
}
