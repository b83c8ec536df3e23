// One value against one schema: coerced to the type, then checked against every constraint but custom ones.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json } from '../template-format.ts';
import type { Constraint, ParamSchema } from './schema.ts';

const TRUE = new Set(['t', 'true', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['f', 'false', 'off', 'n', 'no', '0']);

/** Coerces a value to the parameter's type, throwing the message Heat gives for a bad one. */
function coerce(schema: ParamSchema, value: Json, path: Path): Json {
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

function constraintViolation(c: Constraint, value: Json): string | undefined {
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
