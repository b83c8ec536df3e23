// A HOT parameter definition (type, label, constraints list, …) → a schema; its default is checked.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json } from '../template-format.ts';
import type { TemplateVersion } from '../versions.ts';
import { checkValue } from './check.ts';
import { type Constraint, type ParamSchema, type ParamType, truthy } from './schema.ts';

const HOT_TYPES: Record<string, ParamType> = {
  string: 'string',
  number: 'number',
  comma_delimited_list: 'comma_delimited_list',
  json: 'json',
  boolean: 'boolean',
};

const HOT_KEYS = new Set(['type', 'label', 'description', 'default', 'hidden', 'constraints', 'immutable']);

export function hotSchema(name: string, def: Json, version: TemplateVersion, path: Path): ParamSchema {
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
