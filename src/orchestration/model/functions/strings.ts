// Functions that build strings: substitution, joining, splitting, digests, URLs.
import { createHash } from 'node:crypto';
import type { Json } from '../template-format.ts';
import { argList, type Call, type Fn, fail, listArg, mapArg, str } from './call.ts';

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

const DIGESTS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

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

export const STRING_FUNCTIONS: Record<string, Fn> = {
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
  'Fn::Base64': (c) => {
    const v = c.resolve(c.args, c.path);
    if (typeof v !== 'string') return fail(c, 'Fn::Base64 needs a string.');
    return v; // Heat passes the text through; Nova encodes user data itself.
  },
  digest: (c) => {
    const [alg, value] = argList(c, 'digest', 2);
    if (typeof alg !== 'string' || !DIGESTS.has(alg)) {
      return fail(c, `Algorithm must be one of ${[...DIGESTS].join(', ')}.`);
    }
    if (typeof value !== 'string') return fail(c, '"digest" value must be a string.');
    return createHash(alg).update(value, 'utf8').digest('hex');
  },
  make_url: makeUrl,
};
