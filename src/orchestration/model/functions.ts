// Intrinsic functions as pure functions over a resolution environment. A map with exactly one key that
// is a function of the template's version is a call; a function of another version is an error that
// names the path and the version that allows it. yaql is refused: this engine has no YAQL interpreter.
import { createHash } from 'node:crypto';
import { type Path, TemplateError } from './errors.ts';
import { isMap, type Json, type JsonMap } from './template-format.ts';
import { ALL_FUNCTIONS, firstHotVersionWith, type TemplateVersion } from './versions.ts';

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
type Out = Json | typeof REMOVED;

interface Call {
  args: Json;
  env: ResolveEnv;
  path: Path;
  resolve(v: Json, p: Path): Json;
}
type Fn = (c: Call) => Out;

/** Which single-key map is a call in this version (outside conditions). */
export function functionName(v: Json, version: TemplateVersion, inCondition = false): string | undefined {
  if (!isMap(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0] as string;
  if (inCondition ? version.conditionFunctions.has(k) : version.functions.has(k)) return k;
  return undefined;
}

export function resolveValue(value: Json, env: ResolveEnv, path: Path = []): Json {
  const out = resolveInner(value, env, path);
  return out === REMOVED ? null : out;
}

function resolveInner(value: Json, env: ResolveEnv, path: Path): Out {
  if (Array.isArray(value)) {
    const out: Json[] = [];
    value.forEach((item, i) => {
      const r = resolveInner(item, env, [...path, i]);
      if (r !== REMOVED) out.push(r);
    });
    return out;
  }
  if (!isMap(value)) return value;
  const name = functionName(value, env.version);
  if (name) {
    const fn = FUNCTIONS[name];
    if (!fn) throw new TemplateError(`The function "${name}" is not implemented.`, { path });
    const fpath = [...path, name];
    return fn({ args: value[name] as Json, env, path: fpath, resolve: (v, p) => resolveValue(v, env, p) });
  }
  checkNotForeignFunction(value, env.version, path, false);
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveInner(v, env, [...path, k]);
    if (r !== REMOVED) out[k] = r;
  }
  return out;
}

/** A single-key map naming a function this version does not have is an error, not data. */
export function checkNotForeignFunction(
  value: JsonMap,
  version: TemplateVersion,
  path: Path,
  inCondition: boolean,
) {
  const keys = Object.keys(value);
  if (keys.length !== 1) return;
  const k = keys[0] as string;
  if (!ALL_FUNCTIONS.has(k)) return;
  if (inCondition ? version.conditionFunctions.has(k) : version.functions.has(k)) return;
  if (!inCondition && version.conditionFunctions.has(k) && !version.functions.has(k)) {
    throw new TemplateError(`The function "${k}" is only allowed in conditions.`, { path });
  }
  const first = firstHotVersionWith(k);
  const hint =
    version.kind === 'cfn'
      ? ' CFN templates allow only Ref and the Fn:: functions.'
      : first && first > version.date
        ? ` It needs heat_template_version ${first} or later.`
        : ' It was removed from this version.';
  throw new TemplateError(`The function "${k}" is not supported in ${version.key} ${version.date}.${hint}`, {
    path,
    type: 'InvalidTemplateVersion',
  });
}

// ---------- helpers

const fail = (c: { path: Path }, msg: string): never => {
  throw new TemplateError(msg, { path: c.path });
};
const str = (v: Json): string =>
  v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);

function argList(c: Call, name: string, min: number, max = min): Json[] {
  const a = c.resolve(c.args, c.path);
  if (!Array.isArray(a) || a.length < min || a.length > max) {
    const n = min === max ? `${min}` : `${min} to ${max}`;
    fail(c, `Arguments to "${name}" must be a list of ${n} items.`);
  }
  return a as Json[];
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

function listArg(c: Call, v: Json, name: string): Json[] {
  if (!Array.isArray(v)) fail(c, `"${name}" expects a list, got ${JSON.stringify(v)}.`);
  return v as Json[];
}
function mapArg(c: Call, v: Json, name: string): JsonMap {
  if (!isMap(v)) fail(c, `"${name}" expects a map, got ${JSON.stringify(v)}.`);
  return v as JsonMap;
}

function getParam(c: Call): Json {
  const a = c.resolve(c.args, c.path);
  const parts = Array.isArray(a) ? a : [a];
  const name = parts[0];
  if (typeof name !== 'string') return fail(c, 'get_param needs a parameter name.');
  if (!c.env.isParam(name)) fail(c, `The Parameter (${name}) was not provided.`);
  return walkPath(c.env.param(name, c.path), parts.slice(1), c);
}

function resourceName(c: Call, v: Json, fn: string): string {
  if (typeof v !== 'string') return fail(c, `${fn} needs a resource name.`);
  if (!c.env.isResource(v)) fail(c, `The specified reference "${v}" (in ${fn}) is incorrect.`);
  return v;
}

function getAttr(c: Call, fn: string): Json {
  const a = c.resolve(c.args, c.path);
  if (!Array.isArray(a) || a.length < 1)
    return fail(c, `Arguments to "${fn}" must be a list [resource, attribute, ...].`);
  const res = resourceName(c, a[0] as Json, fn);
  if (a.length === 1) {
    if (!c.env.version.features.getAttrAll) fail(c, `Arguments to "${fn}" must name an attribute.`);
    return c.env.attr(res, undefined, c.path);
  }
  let attr = a[1];
  if (typeof attr !== 'string') return fail(c, `The attribute name of "${fn}" must be a string.`);
  let rest = a.slice(2);
  // [nested, resource.<name>, attr]: the attribute of a resource inside the nested stack.
  if (/^resource\.[^.]+$/.test(attr) && rest.length > 0) {
    attr = `${attr}.${String(rest[0])}`;
    rest = rest.slice(1);
  }
  return walkPath(c.env.attr(res, attr, c.path), rest, c);
}

function strReplace(
  c: Call,
  template: Json,
  params: Json,
  mode: 'plain' | 'strict' | 'vstrict',
  fn: string,
): Json {
  if (typeof template !== 'string') return fail(c, `"${fn}" template must be a string.`);
  const p = mapArg(c, params, `${fn} params`);
  const keys = Object.keys(p).sort((x, y) => y.length - x.length || x.localeCompare(y));
  const values = new Map<string, string>();
  for (const k of keys) {
    const v = p[k] as Json;
    if (typeof v === 'object' && v !== null && !c.env.version.features.strReplaceJson) {
      fail(c, `"${fn}" params must be strings or numbers, "${k}" is not.`);
    }
    if (mode === 'vstrict' && (v === null || v === '')) fail(c, `"${fn}" param "${k}" is empty.`);
    values.set(k, str(v));
  }
  if (mode !== 'plain') {
    const missing = keys.filter((k) => !template.includes(k));
    if (missing.length)
      fail(c, `The following params were not found in the template: '${missing.sort().join("', '")}'`);
  }
  if (keys.length === 0) return template;
  // One pass with the longest keys first, so a key never matches inside another key's replacement.
  const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return template.replace(re, (m) => values.get(m) ?? m);
}

function joinItems(c: Call, sep: Json, items: Json[], fn: string): string {
  if (typeof sep !== 'string') return fail(c, `"${fn}" separator must be a string.`);
  return items.map((i) => str(i)).join(sep);
}

function condValue(c: Call, v: Json): boolean {
  // A condition is a condition name, a boolean, or a condition function call.
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return c.env.condition(v, c.path);
  if (isMap(v)) return evaluateCondition(v, c.env, c.path);
  return fail(c, `Invalid condition ${JSON.stringify(v)}.`);
}

/** A condition expression (conditions section, `if`, resource `condition`) → boolean. */
export function evaluateCondition(expr: Json, env: ResolveEnv, path: Path): boolean {
  if (typeof expr === 'boolean') return expr;
  if (typeof expr === 'string') {
    if (expr === 'true' || expr === 'false') return expr === 'true';
    return env.condition(expr, path);
  }
  if (!isMap(expr)) throw new TemplateError(`Invalid condition ${JSON.stringify(expr)}.`, { path });
  const name = functionName(expr, env.version, true);
  if (!name) {
    checkNotForeignFunction(expr, env.version, path, true);
    throw new TemplateError(`Invalid condition function ${JSON.stringify(Object.keys(expr))}.`, { path });
  }
  const c: Call = {
    args: expr[name] as Json,
    env,
    path: [...path, name],
    resolve: (v, p) => resolveCondArg(v, env, p),
  };
  switch (name) {
    case 'equals': {
      const [a, b] = argList(c, 'equals', 2);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'not': {
      const a = Array.isArray(c.args)
        ? c.args.length === 1
          ? c.args[0]
          : fail(c, '"not" takes one condition.')
        : c.args;
      return !evaluateCondition(a as Json, env, c.path);
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(c.args) || c.args.length < 2)
        fail(c, `"${name}" takes a list of at least two conditions.`);
      const vals = (c.args as Json[]).map((x, i) => evaluateCondition(x, env, [...c.path, i]));
      return name === 'and' ? vals.every(Boolean) : vals.some(Boolean);
    }
    case 'get_param':
      return Boolean(getParam(c));
    case 'contains': {
      const [v, seq] = argList(c, 'contains', 2);
      return containsValue(c, v as Json, seq as Json);
    }
    case 'yaql':
      return fail(c, YAQL_ABSENT) as never;
  }
  return fail(c, `Unknown condition function ${name}.`) as never;
}

function resolveCondArg(v: Json, env: ResolveEnv, path: Path): Json {
  if (Array.isArray(v)) return v.map((x, i) => resolveCondArg(x, env, [...path, i]));
  if (isMap(v)) {
    const name = functionName(v, env.version, true);
    if (name === 'get_param') return resolveValue(v, env, path);
    if (name) return evaluateCondition(v, env, path);
    const fn = functionName(v, env.version);
    if (fn) return resolveValue(v, env, path);
  }
  return v;
}

function containsValue(c: Call, v: Json, seq: Json): boolean {
  if (Array.isArray(seq)) return seq.some((x) => JSON.stringify(x) === JSON.stringify(v));
  if (isMap(seq)) return str(v) in seq;
  if (typeof seq === 'string') return seq.includes(str(v));
  return fail(c, '"contains" needs a list, map or string.');
}

export const YAQL_ABSENT = 'The yaql function is not available: this engine has no YAQL interpreter.';

const DIGESTS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

function repeat(c: Call): Json {
  const a = mapArg(c, c.resolve(c.args, c.path), 'repeat');
  const forEach = mapArg(c, a.for_each ?? null, 'repeat for_each');
  if (!('template' in a)) fail(c, '"repeat" needs a template.');
  const permutations = a.permutations ?? true;
  if ('permutations' in a && !c.env.version.features.repeatPermutations)
    fail(c, '"permutations" needs 2017-09-01.');
  const keys = Object.keys(forEach);
  const lists = keys.map((k) => {
    const v = forEach[k] as Json;
    if (Array.isArray(v)) return v;
    if (isMap(v) && c.env.version.features.repeatMap) return Object.keys(v) as Json[];
    return fail(c, `"repeat" for_each value of "${k}" must be a list.`);
  });
  let combos: Json[][];
  if (permutations === false) {
    const n = lists[0]?.length ?? 0;
    if (lists.some((l) => l.length !== n))
      fail(c, 'With permutations false every for_each list must be as long.');
    combos = Array.from({ length: n }, (_, i) => lists.map((l) => l[i] as Json));
  } else {
    combos = lists.reduce<Json[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
  }
  const subst = (t: Json, vals: Json[]): Json => {
    if (typeof t === 'string') {
      let s = t;
      keys.forEach((k, i) => {
        s = s.split(k).join(str(vals[i] as Json));
      });
      return s;
    }
    if (Array.isArray(t)) return t.map((x) => subst(x, vals));
    if (isMap(t))
      return Object.fromEntries(
        Object.entries(t).map(([k, v]) => [subst(k, vals) as string, subst(v, vals)]),
      );
    return t;
  };
  return combos.map((vals) => subst(a.template as Json, vals));
}

function makeUrl(c: Call): Json {
  const a = mapArg(c, c.resolve(c.args, c.path), 'make_url');
  const known = new Set(['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment']);
  for (const k of Object.keys(a)) if (!known.has(k)) fail(c, `Unknown make_url argument "${k}".`);
  const enc = encodeURIComponent;
  let url = '';
  if (a.scheme != null) url += `${str(a.scheme)}://`;
  if (a.username != null)
    url += `${enc(str(a.username))}${a.password != null ? `:${enc(str(a.password))}` : ''}@`;
  let host = str(a.host ?? '');
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  url += host;
  if (a.port != null) {
    const port = Number(a.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(c, `Invalid port ${str(a.port)}.`);
    url += `:${port}`;
  }
  const path = str(a.path ?? '');
  url += path.startsWith('/') || path === '' ? path : `/${path}`;
  if (a.query != null) {
    const q = mapArg(c, a.query, 'make_url query');
    const qs = Object.entries(q)
      .map(([k, v]) => `${enc(k)}=${enc(str(v))}`)
      .join('&');
    if (qs) url += `?${qs}`;
  }
  if (a.fragment != null && a.fragment !== '') url += `#${enc(str(a.fragment))}`;
  return url;
}

const FUNCTIONS: Record<string, Fn> = {
  get_param: getParam,
  get_resource: (c) => c.env.ref(resourceName(c, c.resolve(c.args, c.path), 'get_resource'), c.path),
  Ref: (c) => {
    const n = c.resolve(c.args, c.path);
    if (typeof n === 'string' && c.env.isParam(n)) return c.env.param(n, c.path);
    return c.env.ref(resourceName(c, n, 'Ref'), c.path);
  },
  get_attr: (c) => getAttr(c, 'get_attr'),
  'Fn::GetAtt': (c) => {
    const a = argList(c, 'Fn::GetAtt', 2);
    const res = resourceName(c, a[0] as Json, 'Fn::GetAtt');
    return c.env.attr(res, str(a[1] as Json), c.path);
  },
  get_file: (c) => {
    const url = c.resolve(c.args, c.path);
    if (typeof url !== 'string') return fail(c, 'get_file needs a file URL.');
    return c.env.file(url, c.path);
  },
  list_join: (c) => {
    const a = c.resolve(c.args, c.path);
    if (!Array.isArray(a) || a.length < 2)
      return fail(c, 'Arguments to "list_join" must be [separator, list, ...].');
    if (a.length > 2 && !c.env.version.features.listJoinMany)
      fail(c, '"list_join" takes one list in this version.');
    const lists = a.slice(1).map((l) => listArg(c, l as Json, 'list_join'));
    return joinItems(c, a[0] as Json, lists.flat(), 'list_join');
  },
  'Fn::Join': (c) => {
    const [sep, list] = argList(c, 'Fn::Join', 2);
    return joinItems(c, sep as Json, listArg(c, list as Json, 'Fn::Join'), 'Fn::Join');
  },
  str_replace: (c) => {
    const a = mapArg(c, c.resolve(c.args, c.path), 'str_replace');
    return strReplace(c, a.template ?? null, a.params ?? null, 'plain', 'str_replace');
  },
  str_replace_strict: (c) => {
    const a = mapArg(c, c.resolve(c.args, c.path), 'str_replace_strict');
    return strReplace(c, a.template ?? null, a.params ?? null, 'strict', 'str_replace_strict');
  },
  str_replace_vstrict: (c) => {
    const a = mapArg(c, c.resolve(c.args, c.path), 'str_replace_vstrict');
    return strReplace(c, a.template ?? null, a.params ?? null, 'vstrict', 'str_replace_vstrict');
  },
  'Fn::Replace': (c) => {
    const [params, template] = argList(c, 'Fn::Replace', 2);
    return strReplace(c, template as Json, params as Json, 'plain', 'Fn::Replace');
  },
  str_split: (c) => {
    const a = argList(c, 'str_split', 2, 3);
    const [sep, s] = a;
    if (typeof sep !== 'string' || typeof s !== 'string')
      return fail(c, '"str_split" needs a separator and a string.');
    const parts = s.split(sep);
    if (a.length === 3) {
      const i = Number(a[2]);
      if (!Number.isInteger(i) || i < 0 || i >= parts.length)
        fail(c, `Index ${str(a[2] as Json)} is out of range.`);
      return parts[i] as string;
    }
    return parts;
  },
  'Fn::Split': (c) => {
    const [sep, s] = argList(c, 'Fn::Split', 2);
    if (typeof sep !== 'string' || typeof s !== 'string')
      return fail(c, '"Fn::Split" needs a separator and a string.');
    return s.split(sep);
  },
  'Fn::Select': (c) => {
    const [index, coll] = argList(c, 'Fn::Select', 2);
    if (Array.isArray(coll)) {
      const i = Number(index);
      if (!Number.isInteger(i)) return fail(c, `Fn::Select index "${str(index as Json)}" is not a number.`);
      return coll[i] ?? '';
    }
    if (isMap(coll)) return coll[str(index as Json)] ?? '';
    if (coll === null) return '';
    return fail(c, 'Fn::Select needs a list or a map.');
  },
  'Fn::Base64': (c) => {
    const v = c.resolve(c.args, c.path);
    if (typeof v !== 'string') return fail(c, 'Fn::Base64 needs a string.');
    return v; // Heat passes the text through; Nova encodes user data itself.
  },
  'Fn::FindInMap': (c) => {
    const [m, k, s] = argList(c, 'Fn::FindInMap', 3);
    return c.env.mapping(str(m as Json), str(k as Json), str(s as Json), c.path);
  },
  'Fn::GetAZs': () => ['nova'],
  'Fn::MemberListToMap': (c) => {
    const [keyName, valueName, list] = argList(c, 'Fn::MemberListToMap', 3);
    const items = listArg(c, list as Json, 'Fn::MemberListToMap');
    const parts = new Map<string, Record<string, string>>();
    for (const item of items) {
      const m = /^member\.(\d+)\.([^=]+)=(.*)$/.exec(str(item));
      if (!m) return fail(c, `Fn::MemberListToMap item "${str(item)}" is not member.N.Name=Value.`);
      const entry = parts.get(m[1] as string) ?? {};
      entry[m[2] as string] = m[3] as string;
      parts.set(m[1] as string, entry);
    }
    const out: JsonMap = {};
    for (const e of parts.values()) {
      const key = e[str(keyName as Json)];
      if (key !== undefined) out[key] = e[str(valueName as Json)] ?? null;
    }
    return out;
  },
  resource_facade: (c) => c.env.facade(str(c.resolve(c.args, c.path)), c.path),
  'Fn::ResourceFacade': (c) => c.env.facade(str(c.resolve(c.args, c.path)).toLowerCase(), c.path),
  digest: (c) => {
    const [alg, value] = argList(c, 'digest', 2);
    if (typeof alg !== 'string' || !DIGESTS.has(alg)) {
      return fail(c, `Algorithm must be one of ${[...DIGESTS].join(', ')}.`);
    }
    if (typeof value !== 'string') return fail(c, '"digest" value must be a string.');
    return createHash(alg).update(value, 'utf8').digest('hex');
  },
  repeat,
  map_merge: (c) => {
    const a = c.resolve(c.args, c.path);
    const maps = listArg(c, a, 'map_merge');
    const out: JsonMap = {};
    maps.forEach((m, i) => {
      if (m === null) return;
      if (!isMap(m)) fail({ path: [...c.path, i] }, '"map_merge" items must be maps.');
      Object.assign(out, m);
    });
    return out;
  },
  map_replace: (c) => {
    const [m, r] = argList(c, 'map_replace', 2);
    const map = mapArg(c, m as Json, 'map_replace');
    const rep = mapArg(c, r as Json, 'map_replace replacements');
    for (const k of Object.keys(rep))
      if (k !== 'keys' && k !== 'values') fail(c, `Unknown map_replace key "${k}".`);
    const keys = rep.keys == null ? {} : mapArg(c, rep.keys, 'map_replace keys');
    const values = rep.values == null ? {} : mapArg(c, rep.values, 'map_replace values');
    const out: JsonMap = {};
    for (const [k, v] of Object.entries(map)) {
      const nk = k in keys ? str(keys[k] as Json) : k;
      if (nk in out) fail(c, `key replacement ${nk} collides with a key in the input map.`);
      const sv = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
      out[nk] = sv !== undefined && sv in values ? (values[sv] as Json) : v;
    }
    return out;
  },
  yaql: (c) => fail(c, YAQL_ABSENT),
  if: (c) => {
    const a = c.args;
    const two = c.env.version.features.ifTwoArgs;
    if (!Array.isArray(a) || a.length < (two ? 2 : 3) || a.length > 3) {
      return fail(
        c,
        `Arguments to "if" must be [condition, value_if_true${two ? '' : ', value_if_false'}${two ? '[, value_if_false]' : ''}].`,
      );
    }
    const cond = condValue(c, a[0] as Json);
    if (cond) return resolveInner(a[1] as Json, c.env, [...c.path, 1]);
    if (a.length === 2) return REMOVED;
    return resolveInner(a[2] as Json, c.env, [...c.path, 2]);
  },
  filter: (c) => {
    const [drop, list] = argList(c, 'filter', 2);
    const d = listArg(c, drop as Json, 'filter').map((x) => JSON.stringify(x));
    return listArg(c, list as Json, 'filter').filter((x) => !d.includes(JSON.stringify(x)));
  },
  make_url: makeUrl,
  list_concat: (c) =>
    listArg(c, c.resolve(c.args, c.path), 'list_concat').flatMap((l) => listArg(c, l, 'list_concat')),
  list_concat_unique: (c) => {
    const all = listArg(c, c.resolve(c.args, c.path), 'list_concat_unique').flatMap((l) =>
      listArg(c, l, 'list_concat_unique'),
    );
    const seen = new Set<string>();
    return all.filter((x) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  contains: (c) => {
    const [v, seq] = argList(c, 'contains', 2);
    return containsValue(c, v as Json, seq as Json);
  },
  equals: (c) => evaluateCondition({ equals: c.args }, c.env, c.path.slice(0, -1)),
};

/** The functions this engine implements, per version (template function list). */
export function implementedFunctions(version: TemplateVersion): { functions: string; description: string }[] {
  return [...version.functions].sort().map((f) => ({
    functions: f,
    description: f === 'yaql' ? YAQL_ABSENT : (DESCRIPTIONS[f] ?? 'A HOT intrinsic function.'),
  }));
}

const DESCRIPTIONS: Record<string, string> = {
  get_param: 'A function for resolving parameter references.',
  get_resource: 'A function for resolving resource references.',
  get_attr: 'A function for resolving resource attributes.',
  get_file: 'A function for including a file inline.',
  list_join: 'A function for joining lists.',
  str_replace: 'A function for performing string substitutions.',
  str_split: 'A function for splitting delimited strings into a list.',
  digest: 'A function for performing digest operations.',
  repeat: 'A function for iterating over a list of items.',
  map_merge: 'A function for merging maps.',
  map_replace: 'A function for performing substitutions on maps.',
  if: 'A function to return corresponding value based on condition evaluation.',
  filter: 'A function for filtering out values from lists.',
  make_url: 'A function for building URLs.',
  list_concat: 'A function for extending lists.',
  list_concat_unique: 'A function for extending lists with unique items.',
  contains: 'A function for checking whether specific value is in sequence.',
};

/** Names of resources a snippet refers to (get_resource, get_attr, Ref to a non-parameter, Fn::GetAtt). */
export function referencedResources(
  value: Json,
  version: TemplateVersion,
  isParam: (n: string) => boolean,
): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isMap(v)) return;
    const fn = functionName(v, version);
    if (fn) {
      const a = v[fn] as Json;
      if (fn === 'get_resource' && typeof a === 'string') out.add(a);
      if (fn === 'Ref' && typeof a === 'string' && !isParam(a) && !a.startsWith('AWS::')) out.add(a);
      if ((fn === 'get_attr' || fn === 'Fn::GetAtt') && Array.isArray(a) && typeof a[0] === 'string')
        out.add(a[0]);
    }
    for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return out;
}

/** Checks every function use in a snippet is allowed by the version, naming the path of the first that is not. */
export function checkFunctions(value: Json, version: TemplateVersion, path: Path, inCondition = false): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkFunctions(v, version, [...path, i], inCondition);
    return;
  }
  if (!isMap(value)) return;
  const fn =
    functionName(value, version, inCondition) ?? (inCondition ? functionName(value, version) : undefined);
  if (!fn) checkNotForeignFunction(value, version, path, inCondition);
  if (fn === 'yaql') throw new TemplateError(YAQL_ABSENT, { path: [...path, fn] });
  for (const [k, v] of Object.entries(value)) {
    // The first argument of `if` is a condition.
    if (fn === 'if' && Array.isArray(v)) {
      for (const [i, x] of v.entries())
        checkFunctions(x, version, [...path, k, i], i === 0 ? true : inCondition);
    } else {
      checkFunctions(v, version, [...path, k], inCondition);
    }
  }
}
