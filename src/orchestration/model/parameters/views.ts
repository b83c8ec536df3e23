// Parameters as the API shows them: stack show's strings (hidden masked) and validate's CFN-style entries.
import type { Json, JsonMap } from '../template-format.ts';
import type { ParamSchema, ParamType } from './schema.ts';

/** Parameter values as strings, the way stack show lists them; hidden ones masked. */
export function displayParams(
  schemas: readonly ParamSchema[],
  values: Record<string, Json>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of schemas) {
    const v = values[s.name];
    if (s.hidden) out[s.name] = '******';
    else if (s.type === 'comma_delimited_list' && Array.isArray(v)) out[s.name] = v.join(',');
    else if (typeof v === 'object' && v !== null) out[s.name] = JSON.stringify(v);
    else out[s.name] = v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/** The validate response's Parameters entry for one schema (Heat's CFN-style keys). */
export function validateView(s: ParamSchema): JsonMap {
  const type: Record<ParamType, string> = {
    string: 'String',
    number: 'Number',
    comma_delimited_list: 'CommaDelimitedList',
    json: 'Json',
    boolean: 'Boolean',
  };
  const out: JsonMap = {
    Type: type[s.type],
    Description: s.description ?? '',
    Label: s.label ?? s.name,
    NoEcho: s.hidden ? 'true' : 'false',
  };
  if (s.default !== undefined) out.Default = s.default;
  for (const c of s.constraints) {
    if (c.kind === 'length') {
      if (c.min !== undefined) out.MinLength = c.min;
      if (c.max !== undefined) out.MaxLength = c.max;
    } else if (c.kind === 'range') {
      if (c.min !== undefined) out.MinValue = c.min;
      if (c.max !== undefined) out.MaxValue = c.max;
    } else if (c.kind === 'allowed_values') out.AllowedValues = c.values;
    else if (c.kind === 'allowed_pattern') out.AllowedPattern = c.pattern;
    else if (c.kind === 'custom_constraint') out.CustomConstraint = c.name;
    if (c.description) out.ConstraintDescription = c.description;
  }
  return out;
}
