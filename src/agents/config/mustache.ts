// Mustache as os-apply-config runs it: pystache 0.6 with escaping off, missing tags ignored and
// non-strings JSON-encoded. The parser mirrors pystache's single-regex scanner, including its quirks
// (an unclosed section yields only the innermost section's text; partials load ./<name>.mustache).
import { existsSync, readFileSync } from 'node:fs';
import { dumpJson, isDict, type PyValue, truthy } from './pyjson.ts';

// Python's \s for str patterns (str.isspace), which differs from JS's \s in a few code points.
const PY_WS =
  '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_WS_RUN = new RegExp(`${PY_WS}+`, 'g');

export class MustacheError extends Error {}

type Node =
  | string
  | { kind: 'var'; key: string }
  | { kind: 'partial'; key: string; indent: string }
  | { kind: 'section'; key: string; body: Node[] }
  | { kind: 'inverted'; key: string; body: Node[] };

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function tagRegex(open: string, close: string): RegExp {
  const s = `${PY_WS}*`;
  return new RegExp(
    `([ \\t]*)${escapeRe(open)}${s}(?:(=)${s}([^\\n]+?)${s}=|(\\{)${s}([^\\n]+?)${s}\\}|([!>&/#^]?)${s}([\\s\\S]+?))${s}${escapeRe(close)}`,
    'g',
  );
}

const cache = new Map<string, Node[]>();

export function parse(template: string): Node[] {
  let hit = cache.get(template);
  if (!hit) {
    hit = parseUncached(template);
    if (template.length < 65536) cache.set(template, hit);
  }
  return hit;
}

function parseUncached(template: string): Node[] {
  let re = tagRegex('{{', '}}');
  let start = 0;
  let sectionKey: string | null = null;
  let current: Node[] = [];
  const states: { type: string; key: string | null; nodes: Node[] }[] = [];
  for (;;) {
    re.lastIndex = start;
    const m = re.exec(template);
    if (!m) break;
    let matchIndex = m.index;
    let endIndex = m.index + m[0].length;
    let type: string;
    let key: string;
    if (m[2] !== undefined) [type, key] = ['=', m[3]!];
    else if (m[4] !== undefined) [type, key] = ['&', m[5]!];
    else [type, key] = [m[6]!, m[7]!];
    let ws = m[1]!;
    const beginsLine = matchIndex === 0 || '\r\n'.includes(template[matchIndex - 1]!);
    const endsLine = endIndex === template.length || '\r\n'.includes(template[endIndex]!);
    if (beginsLine && endsLine && type !== '' && type !== '&') {
      // A standalone tag swallows its line, including the newline.
      if (template[endIndex] === '\r') endIndex++;
      if (template[endIndex] === '\n') endIndex++;
    } else if (ws) {
      matchIndex += ws.length;
      ws = '';
    }
    if (start !== matchIndex) current.push(template.slice(start, matchIndex));
    start = endIndex;
    if (type === '#' || type === '^') {
      states.push({ type, key: sectionKey, nodes: current });
      sectionKey = key;
      current = [];
      continue;
    }
    if (type === '/') {
      if (key !== sectionKey)
        throw new MustacheError(`Section end tag mismatch: ${key} != ${sectionKey ?? 'None'}`);
      const body = current;
      const state = states.pop()!;
      sectionKey = state.key;
      current = state.nodes;
      current.push({ kind: state.type === '#' ? 'section' : 'inverted', key, body });
      continue;
    }
    if (type === '!') continue;
    if (type === '=') {
      const delims = key.trim() === '' ? [] : key.split(PY_WS_RUN).filter((d) => d !== '');
      if (delims.length < 2) throw new MustacheError('list index out of range');
      re = tagRegex(delims[0]!, delims[1]!);
      continue;
    }
    if (type === '>') current.push({ kind: 'partial', key, indent: ws });
    else current.push({ kind: 'var', key });
  }
  if (start !== template.length) current.push(template.slice(start));
  return current;
}

const MISSING = Symbol('missing');

function lookup(stack: PyValue[], name: string): PyValue {
  if (name === '.') return stack[stack.length - 1]!;
  const parts = name.split('.');
  let found: PyValue | typeof MISSING = MISSING;
  for (let k = stack.length - 1; k >= 0; k--) {
    const item = stack[k]!;
    if (isDict(item) && item.has(parts[0]!)) {
      found = item.get(parts[0]!)!;
      break;
    }
  }
  if (found === MISSING) return '';
  let value: PyValue = found;
  for (const part of parts.slice(1)) {
    if (!isDict(value) || !value.has(part)) return '';
    value = value.get(part)!;
  }
  return value;
}

function toText(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  return dumpJson(v);
}

function renderNodes(nodes: Node[], stack: PyValue[]): string {
  let out = '';
  for (const node of nodes) {
    if (typeof node === 'string') {
      out += node;
      continue;
    }
    switch (node.kind) {
      case 'var':
        out += toText(lookup(stack, node.key));
        break;
      case 'section': {
        const data = lookup(stack, node.key);
        if (!truthy(data)) break;
        for (const item of Array.isArray(data) ? data : [data]) {
          stack.push(item);
          out += renderNodes(node.body, stack);
          stack.pop();
        }
        break;
      }
      case 'inverted':
        if (!truthy(lookup(stack, node.key))) out += renderNodes(node.body, stack);
        break;
      case 'partial': {
        const text = loadPartial(node.key);
        const indented = text
          .split('\n')
          .map((line) => (line === '' ? line : node.indent + line))
          .join('\n');
        out += renderNodes(parse(indented), stack);
        break;
      }
    }
  }
  return out;
}

// pystache looks partials up as <name>.mustache in the current directory; absent means empty.
function loadPartial(name: string): string {
  const path = `./${name}.mustache`;
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8');
}

export function render(template: string, context: PyValue): string {
  return renderNodes(parse(template), [context]);
}
