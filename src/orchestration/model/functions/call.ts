// What every intrinsic function receives (a Call) and the argument checks they share.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json, type JsonMap } from '../template-format.ts';
import type { TemplateVersion } from '../versions.ts';

/** What resolution needs from the stack: parameters, resources, files, conditions. */
export interface ResolveEnv {
  version: TemplateVersion;
  isParam(name: string): boolean;
  param(name: string, path: Path): Json;
  isResource(name: string): boolean;
  /** The resource's reference id (get_resource / Ref), null when it does not exist (condition false). */
  ref(name: string, path: Path): Json;
  /** One attribute, or (attr undefined) every attribute of a resource. */
  attr(name: string, attr: string | undefined, path: Path): Json;
  file(url: string, path: Path): string;
  condition(name: string, path: Path): boolean;
  facade(kind: string, path: Path): Json;
  mapping(map: string, key: string, sub: string, path: Path): Json;
}

/** Marks an item a two-argument `if` removed (2021-04-16): its list entry or map key disappears. */
export const REMOVED: unique symbol = Symbol('removed');
export type Out = Json | typeof REMOVED;

/** One function call; the resolver is passed in so the function families need not import it. */
export interface Call {
  args: Json;
  env: ResolveEnv;
  path: Path;
  resolve(v: Json, p: Path): Json;
  /** Resolves a value that may be removed by a two-argument `if` (REMOVED, not null). */
  resolveItem(v: Json, p: Path): Out;
  /** Evaluates a condition function call ({equals: ...}, {not: ...}, ...). */
  condition(expr: JsonMap, p: Path): boolean;
}
export type Fn = (c: Call) => Out;

export const YAQL_ABSENT = 'The yaql function is not available: this engine has no YAQL interpreter.';

export const fail = (c: { path: Path }, msg: string): never => {
  throw new TemplateError(msg, { path: c.path });
};

export const str = (v: Json): string =>
  v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function argList(c: Call, name: string, min: number, max = min): Json[] {
  const a = c.resolve(c.args, c.path);
  if (!Array.isArray(a) || a.length < min || a.length > max) {
    const n = min === max ? `${min}` : `${min} to ${max}`;
    fail(c, `Arguments to "${name}" must be a list of ${n} items.`);
  }
  return a as Json[];
}

export function listArg(c: Call, v: Json, name: string): Json[] {
  if (!Array.isArray(v)) fail(c, `"${name}" expects a list, got ${JSON.stringify(v)}.`);
  return v as Json[];
}

export function mapArg(c: Call, v: Json, name: string): JsonMap {
  if (!isMap(v)) fail(c, `"${name}" expects a map, got ${JSON.stringify(v)}.`);
  return v as JsonMap;
}

/** Follows keys/indexes into a value (get_param and get_attr paths). */
export function walkPath(value: Json, keys: readonly Json[], c: { path: Path }): Json {
  let cur: Json = value;
  for (const k of keys) {
    if (cur === null) return null;
    if (Array.isArray(cur)) {
      const i = typeof k === 'number' ? k : Number.parseInt(str(k), 10);
      if (!Number.isInteger(i)) fail(c, `Cannot index a list with "${str(k)}".`);
      cur = cur[i] ?? null;
    } else if (isMap(cur)) {
      cur = cur[str(k)] ?? null;
    } else {
      fail(c, `Cannot follow path "${str(k)}" into a ${typeof cur}.`);
    }
  }
  return cur;
}
