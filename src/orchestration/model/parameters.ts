// Parameter schemas (HOT and CFN spellings) and the values a stack gets: the user's value, else the
// environment's parameter_defaults, else the template default, coerced to the type and checked against
// every constraint. Custom constraints (glance.image, …) are returned for the caller to check over clients.
import { type Path, TemplateError } from './errors.ts';
import { isMap, type Json, type JsonMap } from './template-format.ts';
import type { TemplateVersion } from './versions.ts';

export type ParamType = 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';

export type Constraint = { description?: string } & (
  | { kind: 'length'; min?: number; max?: number }
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'modulo'; step: number; offset: number }
  | { kind: 'allowed_values'; values: Json[] }
  | { kind: 'allowed_pattern'; pattern: string }
  | { kind: 'custom_constraint'; name: string }
);

export interface ParamSchema {
  name: string;
  type: ParamType;
  label?: string;
  description?: string;
  default?: Json;
  hidden: boolean;
  immutable: boolean;
  tags: string[];
  constraints: Constraint[];
}

const HOT_TYPES: Record<string, ParamType> = {
  string: 'string',
  number: 'number',
  comma_delimited_list: 'comma_delimited_list',
  json: 'json',
  boolean: 'boolean',
};
const CFN_TYPES: Record<string, ParamType> = {
  String: 'string',
  Number: 'number',
  CommaDelimitedList: 'comma_delimited_list',
  Json: 'json',
  Boolean: 'boolean',
};

const HOT_KEYS = new Set(['type', 'label', 'description', 'default', 'hidden', 'constraints', 'immutable']);

export function parseParamSchemas(
  raw: Json | undefined,
  version: TemplateVersion,
  path: Path,
): ParamSchema[] {
  if (raw === undefined || raw === null) return [];
  if (!isMap(raw)) throw new TemplateError('The parameters section must be a map.', { path });
  return Object.entries(raw).map(([name, def]) =>
    version.kind === 'hot'
      ? hotSchema(name, def, version, [...path, name])
      : cfnSchema(name, def, [...path, name]),
  );
}

function hotSchema(name: string, def: Json, version: TemplateVersion, path: Path): ParamSchema {
  if (!isMap(def)) throw new TemplateError(`Invalid parameter definition (must be a map).`, { path });
  for (const k of Object.keys(def)) {
    if (!(HOT_KEYS.has(k) || (k === 'tags' && version.features.paramTags))) {
      throw new TemplateError(`Invalid key '${k}' for parameter (${name})`, { path: [...path, k] });
    }
  }
  const type = HOT_TYPES[String(def.type)];
  if (!type) {
    throw new TemplateError(
      def.type === undefined
        ? `Missing parameter type for parameter: ${name}`
        : `Invalid type (${String(def.type)})`,
      { path: [...path, 'type'] },
    );
  }
  const constraints: Constraint[] = [];
  if (def.constraints != null) {
    if (!Array.isArray(def.constraints))
      throw new TemplateError('constraints must be a list.', { path: [...path, 'constraints'] });
    def.constraints.forEach((c, i) => {
      constraints.push(hotConstraint(c, type, version, [...path, 'constraints', i]));
    });
  }
  const schema: ParamSchema = {
    name,
    type,
    hidden: truthy(def.hidden),
    immutable: truthy(def.immutable),
    tags: Array.isArray(def.tags) ? def.tags.map(String) : [],
    constraints,
  };
  if (typeof def.label === 'string') schema.label = def.label;
  if (typeof def.description === 'string') schema.description = def.description;
  if (def.default !== undefined) {
    schema.default = def.default;
    // A default must itself satisfy the type and constraints.
    checkValue(schema, def.default, [...path, 'default']);
  }
  return schema;
}

function hotConstraint(c: Json, type: ParamType, version: TemplateVersion, path: Path): Constraint {
  if (!isMap(c)) throw new TemplateError('Each constraint must be a map.', { path });
  const description = typeof c.description === 'string' ? { description: c.description } : {};
  const kinds = Object.keys(c).filter((k) => k !== 'description');
  if (kinds.length !== 1)
    throw new TemplateError(`A constraint must have exactly one kind, got ${kinds.join(', ') || 'none'}.`, {
      path,
    });
  const kind = kinds[0] as string;
  const v = c[kind] as Json;
  const num = (x: Json | undefined, k: string) => {
    if (x === undefined || x === null) return undefined;
    const n = typeof x === 'number' ? x : Number(x);
    if (Number.isNaN(n))
      throw new TemplateError(`${kind} ${k} must be a number.`, { path: [...path, kind, k] });
    return n;
  };
  const onlyFor = (types: ParamType[]) => {
    if (!types.includes(type))
      throw new TemplateError(`Invalid ${kind} constraint for parameter type ${type}.`, {
        path: [...path, kind],
      });
  };
  switch (kind) {
    case 'length':
    case 'range': {
      onlyFor(kind === 'length' ? ['string', 'comma_delimited_list', 'json'] : ['number']);
      if (!isMap(v))
        throw new TemplateError(`${kind} must be a map with min and/or max.`, { path: [...path, kind] });
      const min = num(v.min, 'min');
      const max = num(v.max, 'max');
      return {
        kind,
        ...description,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      };
    }
    case 'modulo': {
      if (!version.features.modulo)
        throw new TemplateError('The modulo constraint needs heat_template_version 2017-02-24.', {
          path: [...path, kind],
        });
      onlyFor(['number']);
      if (!isMap(v))
        throw new TemplateError('modulo must be a map with step and offset.', { path: [...path, kind] });
      const step = num(v.step, 'step');
      const offset = num(v.offset, 'offset');
      if (!step || offset === undefined)
        throw new TemplateError('modulo needs step and offset.', { path: [...path, kind] });
      return { kind, step, offset, ...description };
    }
    case 'allowed_values':
      if (!Array.isArray(v))
        throw new TemplateError('allowed_values must be a list.', { path: [...path, kind] });
      return { kind, values: v, ...description };
    case 'allowed_pattern':
      onlyFor(['string']);
      if (typeof v !== 'string')
        throw new TemplateError('allowed_pattern must be a string.', { path: [...path, kind] });
      return { kind, pattern: v, ...description };
    case 'custom_constraint':
      if (typeof v !== 'string')
        throw new TemplateError('custom_constraint must be a name.', { path: [...path, kind] });
      return { kind, name: v, ...description };
  }
  throw new TemplateError(
    `Invalid parameter constraints for parameter, expected a list of valid constraint types, got ${kind}.`,
    { path },
  );
}

function cfnSchema(name: string, def: Json, path: Path): ParamSchema {
  if (!isMap(def)) throw new TemplateError('Invalid parameter definition (must be a map).', { path });
  const type = CFN_TYPES[String(def.Type)];
  if (!type) throw new TemplateError(`Invalid type (${String(def.Type)})`, { path: [...path, 'Type'] });
  const d = typeof def.ConstraintDescription === 'string' ? { description: def.ConstraintDescription } : {};
  const constraints: Constraint[] = [];
  const n = (x: Json | undefined) => (x === undefined || x === null ? undefined : Number(x));
  if (def.MinLength != null || def.MaxLength != null) {
    const c: { kind: 'length'; min?: number; max?: number } = { kind: 'length', ...d };
    if (def.MinLength != null) c.min = n(def.MinLength) as number;
    if (def.MaxLength != null) c.max = n(def.MaxLength) as number;
    constraints.push(c);
  }
  if (def.MinValue != null || def.MaxValue != null) {
    const c: { kind: 'range'; min?: number; max?: number } = { kind: 'range', ...d };
    if (def.MinValue != null) c.min = n(def.MinValue) as number;
    if (def.MaxValue != null) c.max = n(def.MaxValue) as number;
    constraints.push(c);
  }
  if (Array.isArray(def.AllowedValues))
    constraints.push({ kind: 'allowed_values', values: def.AllowedValues, ...d });
  if (typeof def.AllowedPattern === 'string')
    constraints.push({ kind: 'allowed_pattern', pattern: def.AllowedPattern, ...d });
  const schema: ParamSchema = {
    name,
    type,
    hidden: truthy(def.NoEcho),
    immutable: false,
    tags: [],
    constraints,
  };
  if (typeof def.Description === 'string') schema.description = def.Description;
  if (def.Default !== undefined) {
    schema.default = def.Default;
    checkValue(schema, def.Default, [...path, 'Default']);
  }
  return schema;
}

function truthy(v: Json | undefined): boolean {
  return (
    v === true || (typeof v === 'string' && ['true', 'yes', 'on', '1', 't', 'y'].includes(v.toLowerCase()))
  );
}

const TRUE = new Set(['t', 'true', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['f', 'false', 'off', 'n', 'no', '0']);

/** Coerces a value to the parameter's type, throwing the message Heat gives for a bad one. */
export function coerce(schema: ParamSchema, value: Json, path: Path): Json {
  const bad = (why: string): never => {
    throw new TemplateError(`Parameter '${schema.name}' is invalid: ${why}`, { path });
  };
  switch (schema.type) {
    case 'string':
      if (typeof value === 'object' && value !== null)
        return bad(`Value must be a string; got ${JSON.stringify(value)}`);
      return value === null ? '' : String(value);
    case 'number': {
      if (typeof value === 'number') return value;
      const s = String(value).trim();
      const n = s === '' ? Number.NaN : Number(s);
      if (!Number.isFinite(n)) return bad(`Value '${String(value)}' is not an integer or a float.`);
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const s = String(value).toLowerCase();
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
      return bad(
        `Unrecognized value "${String(value)}", acceptable values are: t, true, on, y, yes, 1, f, false, off, n, no, 0`,
      );
    }
    case 'comma_delimited_list':
      if (Array.isArray(value)) return value.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      if (value === null || value === '') return [];
      if (typeof value !== 'string')
        return bad(`Value must be a comma-delimited list string: ${JSON.stringify(value)}`);
      return value.split(',').map((x) => x.trim());
    case 'json':
      if (typeof value === 'object') return value ?? {};
      if (typeof value === 'string') {
        if (value.trim() === '') return {};
        try {
          const parsed = JSON.parse(value) as Json;
          if (typeof parsed === 'object' && parsed !== null) return parsed;
        } catch {
          // falls through to the error below
        }
      }
      return bad(`Value must be valid JSON: ${String(value)}`);
  }
}

function sizeOf(value: Json): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.length;
  if (isMap(value)) return Object.keys(value).length;
  return String(value).length;
}

/** Coerces and checks every non-custom constraint; returns the coerced value. */
export function checkValue(schema: ParamSchema, raw: Json, path: Path): Json {
  const value = coerce(schema, raw, path);
  for (const c of schema.constraints) {
    const why = constraintViolation(c, value);
    if (why !== undefined) {
      throw new TemplateError(`Parameter '${schema.name}' is invalid: ${c.description ?? why}`, { path });
    }
  }
  return value;
}

export function constraintViolation(c: Constraint, value: Json): string | undefined {
  switch (c.kind) {
    case 'length': {
      const n = sizeOf(value);
      if (c.min !== undefined && n < c.min) return `length must be at least ${c.min}.`;
      if (c.max !== undefined && n > c.max) return `length must be no greater than ${c.max}.`;
      return undefined;
    }
    case 'range': {
      const n = Number(value);
      if (c.min !== undefined && n < c.min)
        return `${n} is out of range (min: ${c.min}, max: ${c.max ?? 'None'})`;
      if (c.max !== undefined && n > c.max)
        return `${n} is out of range (min: ${c.min ?? 'None'}, max: ${c.max})`;
      return undefined;
    }
    case 'modulo': {
      const n = Number(value);
      const r = ((n % c.step) + c.step) % c.step;
      return r === c.offset
        ? undefined
        : `${n} is not a multiple of ${c.step} with an offset of ${c.offset})`;
    }
    case 'allowed_values': {
      const items = Array.isArray(value) ? value : [value];
      const allowed = c.values.map((v) => String(v));
      const bad = items.find((i) => !allowed.includes(typeof i === 'object' ? JSON.stringify(i) : String(i)));
      return bad === undefined
        ? undefined
        : `"${String(bad)}" is not an allowed value [${allowed.join(', ')}]`;
    }
    case 'allowed_pattern': {
      const s = String(value);
      return new RegExp(`^(?:${c.pattern})$`).test(s)
        ? undefined
        : `"${s}" does not match pattern "${c.pattern}"`;
    }
    case 'custom_constraint':
      return undefined; // checked by the engine over the owning service's client
  }
}

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
