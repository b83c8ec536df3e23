// A CFN parameter definition (Type, MinLength, AllowedValues, NoEcho, …) → a schema; its default is checked.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json } from '../template-format.ts';
import { checkValue } from './check.ts';
import { type Constraint, type ParamSchema, type ParamType, truthy } from './schema.ts';

const CFN_TYPES: Record<string, ParamType> = {
  String: 'string',
  Number: 'number',
  CommaDelimitedList: 'comma_delimited_list',
  Json: 'json',
  Boolean: 'boolean',
};

export function cfnSchema(name: string, def: Json, path: Path): ParamSchema {
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
