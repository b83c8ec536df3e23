// Resource property schemas and their check: types, required, defaults, allowed values, ranges and
// lengths, unknown keys. At validate time values that are still function calls are left unchecked.
import { type Path, TemplateError } from './errors.ts';
import { isMap, type Json, type JsonMap } from './template-format.ts';

export type PropType = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'any';

export interface PropSchema {
  type: PropType;
  description?: string;
  required?: boolean;
  default?: Json;
  /** Changing it updates the resource in place; otherwise the resource is replaced. */
  updateAllowed?: boolean;
  allowedValues?: Json[];
  range?: { min?: number; max?: number };
  length?: { min?: number; max?: number };
  /** For maps: the keys' own schemas; for lists: each item's. */
  schema?: Record<string, PropSchema>;
  items?: PropSchema;
}

export type PropsSchema = Record<string, PropSchema>;

const isCall = (v: Json) =>
  isMap(v) &&
  Object.keys(v).length === 1 &&
  /^(get_|Fn::|Ref$|str_|list_|map_|if$|repeat$|digest$|yaql$|filter$|make_url$|contains$|equals$|resource_facade$)/.test(
    Object.keys(v)[0] as string,
  );

/** Checks and completes (defaults) properties; `partial` leaves unresolved function calls alone. */
export function checkProperties(schema: PropsSchema, props: JsonMap, path: Path, partial = false): JsonMap {
  const out: JsonMap = {};
  for (const k of Object.keys(props)) {
    if (!(k in schema))
      throw new TemplateError(`Unknown Property ${k}`, { path: [...path, k], type: 'StackValidationFailed' });
  }
  for (const [k, s] of Object.entries(schema)) {
    const v = props[k];
    if (v === undefined || v === null) {
      if (s.required) throw new TemplateError(`Property ${k} not assigned`, { path: [...path, k] });
      if (s.default !== undefined) out[k] = s.default;
      continue;
    }
    out[k] = checkOne(s, v, [...path, k], partial);
  }
  return out;
}

function checkOne(s: PropSchema, v: Json, path: Path, partial: boolean): Json {
  if (partial && isCall(v)) return v;
  const bad = (why: string): never => {
    throw new TemplateError(`Property error: ${why}`, { path });
  };
  let value = v;
  switch (s.type) {
    case 'string':
      if (typeof v === 'object') bad(`Value must be a string`);
      value = String(v);
      break;
    case 'integer': {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isInteger(n)) bad(`Value '${String(v)}' is not an integer`);
      value = n;
      break;
    }
    case 'number': {
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isNaN(n) || typeof v === 'object') bad(`Value '${String(v)}' is not a number`);
      value = n;
      break;
    }
    case 'boolean':
      if (typeof v === 'boolean') break;
      if (['true', 'false'].includes(String(v).toLowerCase())) value = String(v).toLowerCase() === 'true';
      else bad(`"${String(v)}" is not a valid boolean`);
      break;
    case 'list':
      if (!Array.isArray(v)) bad(`"${JSON.stringify(v)}" is not a list`);
      if (s.items)
        value = (v as Json[]).map((x, i) => checkOne(s.items as PropSchema, x, [...path, i], partial));
      break;
    case 'map':
      if (!isMap(v)) bad(`"${JSON.stringify(v)}" is not a map`);
      if (s.schema) value = checkProperties(s.schema, v as JsonMap, path, partial);
      break;
    case 'any':
      break;
  }
  if (s.allowedValues && !s.allowedValues.includes(value)) {
    bad(`"${String(value)}" is not an allowed value [${s.allowedValues.join(', ')}]`);
  }
  if (s.range) {
    const n = value as number;
    if ((s.range.min !== undefined && n < s.range.min) || (s.range.max !== undefined && n > s.range.max)) {
      bad(`${n} is out of range (min: ${s.range.min ?? 'None'}, max: ${s.range.max ?? 'None'})`);
    }
  }
  if (s.length) {
    const len = typeof value === 'string' || Array.isArray(value) ? value.length : 0;
    if (
      (s.length.min !== undefined && len < s.length.min) ||
      (s.length.max !== undefined && len > s.length.max)
    ) {
      bad(`length (${len}) is out of range (min: ${s.length.min ?? 'None'}, max: ${s.length.max ?? 'None'})`);
    }
  }
  return value;
}

/** The names of properties whose values differ. */
export function changedProperties(before: JsonMap, after: JsonMap): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
    .sort();
}

/** The resource type show view of a property (Heat's schema keys). */
export function propertyView(s: PropSchema): JsonMap {
  const type = s.type === 'any' ? 'string' : s.type;
  const out: JsonMap = {
    type,
    description: s.description ?? '',
    required: s.required === true,
    update_allowed: s.updateAllowed === true,
    immutable: false,
  };
  if (s.default !== undefined) out.default = s.default;
  const constraints: Json[] = [];
  if (s.allowedValues) constraints.push({ allowed_values: s.allowedValues });
  if (s.range) constraints.push({ range: s.range as JsonMap });
  if (s.length) constraints.push({ length: s.length as JsonMap });
  if (constraints.length) out.constraints = constraints;
  if (s.schema)
    out.schema = Object.fromEntries(Object.entries(s.schema).map(([k, v]) => [k, propertyView(v)]));
  if (s.items) out.schema = { '*': propertyView(s.items) };
  return out;
}
