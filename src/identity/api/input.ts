// Reading request bodies and query strings: every wrong type or missing field is a 400 that names the
// field, checked before anything is written.
import { badRequest } from '../../platform/errors/catalogue.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The entity object of a request body, e.g. body.project. */
export function entity(body: unknown, key: string): Obj {
  if (!isObj(body) || !isObj(body[key])) {
    throw badRequest(`Invalid input: the request body must be a JSON object with an object '${key}'.`);
  }
  return body[key];
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** A name: 1–max characters (keystone: 64 for projects and domains, else 255), no control characters
 * (quotes and any Unicode are fine). */
export function name(o: Obj, key: string, where: string, required: true, max?: number): string;
export function name(o: Obj, key: string, where: string, required: false, max?: number): string | undefined;
export function name(o: Obj, key: string, where: string, required: boolean, max = 255): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string')
    throw badRequest(`Invalid input for field '${where}.${key}': expected a string.`);
  const trimmed = v.trim();
  if (trimmed.length === 0 || [...trimmed].length > max || CONTROL.test(v)) {
    throw badRequest(
      `Invalid input for field '${where}.${key}': 1 to ${max} characters without control characters.`,
    );
  }
  return trimmed;
}

export function text(o: Obj, key: string, where: string, max = 65_535): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (v === null) return '';
  if (typeof v !== 'string' || v.length > max) {
    throw badRequest(
      `Invalid input for field '${where}.${key}': expected a string of at most ${max} characters.`,
    );
  }
  return v;
}

export function optId(o: Obj, key: string, where: string): string | null | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) {
    throw badRequest(`Invalid input for field '${where}.${key}': expected an id string.`);
  }
  return v;
}

export function bool(o: Obj, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean')
    throw badRequest(`Invalid input for field '${where}.${key}': expected a boolean.`);
  return v;
}

export function tags(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v === null ? [] : undefined;
  if (!Array.isArray(v) || v.length > 80 || !v.every((t) => typeof t === 'string' && t.length <= 255)) {
    throw badRequest(`Invalid input for field '${where}.${key}': expected a list of strings.`);
  }
  return v as string[];
}

export function options(o: Obj, key: string, where: string): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v === null ? {} : undefined;
  if (!isObj(v)) throw badRequest(`Invalid input for field '${where}.${key}': expected an object.`);
  return v;
}

/** Rejects fields a client may not set (ids are the server's to choose). */
export function noId(o: Obj, where: string): void {
  if (o.id !== undefined)
    throw badRequest(`Invalid input for field '${where}.id': the id is set by the server.`);
}

/** Query-string helpers: repeated parameters arrive as arrays; the last one wins. */
export function qs(query: unknown, key: string): string | undefined {
  if (!isObj(query)) return undefined;
  const v = query[key];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

export function qsBool(query: unknown, key: string): boolean | undefined {
  const v = qs(query, key);
  if (v === undefined) return undefined;
  if (/^(true|1|yes|)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw badRequest(`Invalid value for query parameter '${key}': expected a boolean.`);
}

/** Presence of a flag parameter (`?effective` or `?include_names=True`). */
export function qsFlag(query: unknown, key: string): boolean {
  if (!isObj(query) || !(key in query)) return false;
  return qsBool(query, key) ?? true;
}
