// Reading, merging and querying os-apply-config metadata, as the original does.
import { existsSync, readFileSync } from 'node:fs';
import { isDict, JsonError, type PyDict, type PyValue, parseJson, truthy } from './pyjson.ts';

export class ConfigError extends Error {}

// Later documents win; only mapping-into-mapping merges, everything else replaces.
export function deepMerge(a: PyDict, b: PyValue): PyValue {
  if (!isDict(b)) return b;
  const out: PyDict = new Map(a);
  for (const [k, v] of b) {
    const mine = out.get(k);
    out.set(k, isDict(mine) ? deepMerge(mine, v) : v);
  }
  return out;
}

export function mergeConfigs(docs: PyValue[]): PyDict {
  let merged: PyDict = new Map();
  for (const doc of docs) if (truthy(doc) && isDict(doc)) merged = deepMerge(merged, doc) as PyDict;
  return merged;
}

export class DecodeError extends Error {}
export class EncodeError extends Error {}

// Strict UTF-8 decoding with CPython's error text (a bad byte is an error, not U+FFFD). A byte-order mark
// is a character like any other, as for Python's 'utf-8' codec (only 'utf-8-sig' drops it).
export function decodeUtf8(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    throw new DecodeError(utf8Problem(b));
  }
}

function utf8Problem(b: Uint8Array): string {
  const at = (start: number, end: number, why: string) =>
    end - start > 1
      ? `'utf-8' codec can't decode bytes in position ${start}-${end - 1}: ${why}`
      : `'utf-8' codec can't decode byte 0x${b[start]!.toString(16).padStart(2, '0')} in position ${start}: ${why}`;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return at(i, i + 1, 'invalid start byte');
    // The second byte's allowed range excludes overlongs, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return at(i, b.length, 'unexpected end of data');
      const d = b[i + k]!;
      const ok = k === 1 ? d >= lo && d <= hi : d >= 0x80 && d <= 0xbf;
      if (!ok) return at(i, i + 1, 'invalid continuation byte');
    }
    i += n + 1;
  }
  return 'invalid utf-8';
}

// str.encode('utf-8'): a lone surrogate (from a JSON escape like "\ud800") is an error, not U+FFFD.
export function encodeUtf8(s: string): Buffer {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(s);
  if (lone) {
    const position = [...s.slice(0, lone.index)].length;
    const char = `\\u${lone[0].charCodeAt(0).toString(16)}`;
    throw new EncodeError(
      `'utf-8' codec can't encode character '${char}' in position ${position}: surrogates not allowed`,
    );
  }
  return Buffer.from(s, 'utf8');
}

// Python's open().read(): strict UTF-8 and universal newlines (\r\n and \r become \n).
export function readUtf8(path: string): string {
  return decodeUtf8(readFileSync(path)).replace(/\r\n?/g, '\n');
}

// Fallback files first, then the metadata list; missing files are skipped, bad JSON is an error.
export function collectConfig(files: string[], fallback: string[] | null): PyDict {
  const all = [...(fallback && fallback.length > 0 ? fallback : []), ...files].filter((p) => p);
  const docs: PyValue[] = [];
  for (const path of all) {
    if (!existsSync(path)) continue;
    let text: string;
    try {
      text = readUtf8(path);
    } catch (e) {
      throw new ConfigError(`Could not open ${path} for reading. ${(e as Error).message}`);
    }
    try {
      docs.push(parseJson(text));
    } catch (e) {
      if (e instanceof JsonError) throw new ConfigError(`Could not parse metadata file: ${path}`);
      throw e;
    }
  }
  return mergeConfigs(docs);
}

// Python's int() on a string: surrounding whitespace, a sign, digits with single underscores.
function pyInt(s: string): number | undefined {
  const m = /^\s*([-+]?)(\d+(?:_\d+)*)\s*$/u.exec(s);
  if (!m) return undefined;
  return Number(m[1] + m[2]!.replaceAll('_', ''));
}

// --key walking: dict keys, then list indexes (negative ones count from the end); null counts as missing.
export function extractKey(config: PyValue, key: string): PyValue | undefined {
  let cur: PyValue = config;
  for (const part of key.split('.')) {
    if (isDict(cur) && cur.has(part) && cur.get(part) !== null) {
      cur = cur.get(part)!;
      continue;
    }
    if (isDict(cur) && cur.has(part)) return undefined;
    if (Array.isArray(cur)) {
      const n = pyInt(part);
      if (n === undefined || n >= cur.length || n < -cur.length) return undefined;
      cur = cur[n < 0 ? cur.length + n : n]!;
      continue;
    }
    return undefined;
  }
  return cur === null ? undefined : cur;
}

// --subhash: every segment must name a mapping.
export function subhash(config: PyDict, keys: string | undefined): PyDict {
  if (!keys) return config;
  let cur = config;
  for (const k of keys.split('.')) {
    const next = cur.get(k);
    if (!isDict(next))
      throw new ConfigError(`key '${keys}' does not correspond to a hash in the metadata file`);
    cur = next;
  }
  return cur;
}

// value_types.py. Python's `$` also matches before a final newline, and `\d` is any Unicode digit.
const END = '(?=\\n?$)';
export const VALUE_TYPES: Record<string, RegExp> = {
  int: new RegExp(`^\\p{Nd}+${END}`, 'u'),
  default: new RegExp(`^[A-Za-z0-9_]*${END}`, 'u'),
  netaddress: new RegExp(`^[A-Za-z0-9/.:-]*${END}`, 'u'),
  netdevice: new RegExp(`^[A-Za-z0-9/.:-]*${END}`, 'u'),
  dsn: new RegExp(
    `^[a-zA-Z0-9]+://([a-zA-Z0-9+_-]+(:[^@]+)?)?(@?[a-zA-Z0-9/_.-]+)?(/[a-zA-Z0-9_-]+)?(\\?[a-zA-Z0-9=_-]+)?${END}`,
    'u',
  ),
  swiftdevices: new RegExp(`^(r\\p{Nd}+z\\p{Nd}+-[A-Za-z0-9.-_]+:%PORT%/[^,]+,?)+${END}`, 'u'),
  username: new RegExp(`^[A-Za-z0-9_-]+${END}`, 'u'),
  raw: /(?:)/u,
};

export class UnknownTypeError extends Error {}

export function ensureType(value: string, type: string): void {
  const re = VALUE_TYPES[type];
  if (!re) throw new UnknownTypeError(`requested validation of unknown type: ${type}`);
  if (!re.test(value)) throw new ConfigError(`cannot interpret value '${value}' as type ${type}`);
}
