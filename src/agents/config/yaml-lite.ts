// The YAML that .oac control files use, read as PyYAML's safe_load reads it (YAML 1.1 scalars:
// 0755 is octal, yes/no/on/off are booleans). Block mappings and sequences, flow collections of
// scalars, quoted scalars and comments are understood; anything else is a YamlError, where the
// original would have raised (and exited 1) too.
import type { PyDict, PyValue } from './pyjson.ts';

export class YamlError extends Error {}

const BOOL_TRUE = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

function sexagesimal(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

// YAML 1.1 implicit typing of a plain scalar, as PyYAML's resolver and constructors do it.
export function plainScalar(s: string): PyValue {
  if (NULLS.has(s)) return null;
  if (BOOL_TRUE.has(s)) return true;
  if (BOOL_FALSE.has(s)) return false;
  if (
    /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/.test(s)
  ) {
    let t = s.replaceAll('_', '');
    let sign = 1n;
    if (t[0] === '-' || t[0] === '+') {
      if (t[0] === '-') sign = -1n;
      t = t.slice(1);
    }
    if (t === '0') return 0n;
    if (t.startsWith('0b')) return sign * BigInt(t);
    if (t.startsWith('0x')) return sign * BigInt(t);
    if (t.startsWith('0')) return sign * BigInt('0o' + t.slice(1));
    if (t.includes(':')) return sign * BigInt(sexagesimal(t));
    return sign * BigInt(t);
  }
  if (
    /^[-+]?(?:(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$/.test(
      s,
    )
  ) {
    const t = s.replaceAll('_', '');
    if (t.includes(':')) {
      const neg = t.startsWith('-');
      const v = sexagesimal(t.replace(/^[-+]/, ''));
      return neg ? -v : v;
    }
    return Number(t);
  }
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(s)) return Number.NaN;
  return s;
}

function stripComment(line: string): string {
  let quote = '';
  for (let k = 0; k < line.length; k++) {
    const c = line[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      if (k === 0 || /[\s:[{,]/.test(line[k - 1]!)) quote = c;
    } else if (c === '#' && (k === 0 || /\s/.test(line[k - 1]!))) return line.slice(0, k);
  }
  return line;
}

function quoted(s: string): string | undefined {
  if (s.length >= 2 && s[0] === "'" && s.endsWith("'")) return s.slice(1, -1).replaceAll("''", "'");
  if (s.length >= 2 && s[0] === '"' && s.endsWith('"')) {
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      '"': '"',
      '\\': '\\',
      '/': '/',
      '0': '\0',
      r: '\r',
    };
    return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
      if (e.length > 1) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      const r = simple[e];
      if (r === undefined) throw new YamlError(`found unknown escape character '${e}'`);
      return r;
    });
  }
  return undefined;
}

function splitFlow(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '') parts.push(cur.trim());
  return parts;
}

function inlineValue(s: string): PyValue {
  const t = s.trim();
  const q = quoted(t);
  if (q !== undefined) return q;
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlError('expected a flow sequence');
    return splitFlow(t.slice(1, -1)).map(inlineValue);
  }
  if (t.startsWith('{')) {
    if (!t.endsWith('}')) throw new YamlError('expected a flow mapping');
    const d: PyDict = new Map();
    for (const item of splitFlow(t.slice(1, -1))) {
      const [k, v] = splitKey(item) ?? [item, ''];
      d.set(keyText(k), inlineValue(v));
    }
    return d;
  }
  if (/^[&*!|>%@`]/.test(t) || /: |:$/.test(t)) throw new YamlError(`unsupported YAML construct: ${t}`);
  return plainScalar(t);
}

function keyText(k: string): string {
  const v = inlineValue(k);
  if (typeof v !== 'string') throw new YamlError(`non-string control key ${k}`);
  return v;
}

// "key: value" → [key, value]; quoted keys may contain ": ".
function splitKey(line: string): [string, string] | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"][\s\S]*?|)\s*:(?:\s+([\s\S]*)|$)/.exec(line);
  if (!m || m[1] === '') return undefined;
  return [m[1]!, m[2] ?? ''];
}

type Line = { indent: number; text: string };

function block(lines: Line[], pos: { i: number }, indent: number): PyValue {
  const first = lines[pos.i]!;
  if (first.text === '-' || first.text.startsWith('- ')) {
    const seq: PyValue[] = [];
    while (pos.i < lines.length && lines[pos.i]!.indent === indent && /^-( |$)/.test(lines[pos.i]!.text)) {
      const rest = lines[pos.i]!.text.slice(1).trim();
      pos.i++;
      if (rest !== '') seq.push(inlineValue(rest));
      else if (pos.i < lines.length && lines[pos.i]!.indent > indent)
        seq.push(block(lines, pos, lines[pos.i]!.indent));
      else seq.push(null);
    }
    return seq;
  }
  if (!splitKey(first.text) || /^[[{]/.test(first.text)) {
    if (lines.length - pos.i > 1) throw new YamlError('multi-line plain scalars are not supported');
    pos.i++;
    return inlineValue(first.text);
  }
  const map: PyDict = new Map();
  while (pos.i < lines.length && lines[pos.i]!.indent === indent) {
    const kv = splitKey(lines[pos.i]!.text);
    if (!kv) throw new YamlError(`could not find expected ':' in "${lines[pos.i]!.text}"`);
    pos.i++;
    const key = keyText(kv[0]);
    if (kv[1].trim() !== '') map.set(key, inlineValue(kv[1]));
    else if (pos.i < lines.length && lines[pos.i]!.indent > indent)
      map.set(key, block(lines, pos, lines[pos.i]!.indent));
    else if (pos.i < lines.length && lines[pos.i]!.indent === indent && /^-( |$)/.test(lines[pos.i]!.text))
      map.set(key, block(lines, pos, indent));
    else map.set(key, null);
  }
  return map;
}

export function parseYaml(text: string): PyValue {
  const lines: Line[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.includes('\t') && /^\s*\t/.test(raw))
      throw new YamlError('found character \\t that cannot start any token');
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '' || body.startsWith('%')) continue;
    if (body === '---' || body === '...') continue;
    const text2 = body.startsWith('--- ') ? body.slice(4) : body;
    lines.push({ indent: text2.length - text2.trimStart().length, text: text2.trim() });
  }
  if (lines.length === 0) return null;
  const pos = { i: 0 };
  const v = block(lines, pos, lines[0]!.indent);
  if (pos.i !== lines.length) throw new YamlError('expected <document end>, but found more content');
  return v;
}
