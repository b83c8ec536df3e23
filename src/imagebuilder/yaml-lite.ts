// A small YAML subset, enough for element data files (package-installs.yaml and friends): block mappings,
// block lists, flow maps/lists of scalars, plain and quoted scalars, comments. Anything else is an error,
// so a file we cannot read fails loudly instead of being misread.
export type Yaml = null | boolean | number | string | Yaml[] | { [k: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlError extends Error {}

function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i);
  }
  return s;
}

export function parseYaml(text: string): Yaml {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '---') return;
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    if (/^\s*\t/.test(body)) throw new YamlError(`line ${i + 1}: tabs are not allowed for indentation`);
    lines.push({ indent: body.length - body.trimStart().length, text: body.trim(), no: i + 1 });
  });
  if (lines.length === 0) return null;
  const pos = { i: 0 };
  const v = parseBlock(lines, pos, lines[0]!.indent);
  if (pos.i < lines.length) throw new YamlError(`line ${lines[pos.i]!.no}: unexpected indentation`);
  return v;
}

function parseBlock(lines: Line[], pos: { i: number }, indent: number): Yaml {
  const first = lines[pos.i]!;
  if (first.text.startsWith('- ') || first.text === '-') return parseList(lines, pos, indent);
  return parseMap(lines, pos, indent);
}

function parseList(lines: Line[], pos: { i: number }, indent: number): Yaml[] {
  const out: Yaml[] = [];
  while (pos.i < lines.length) {
    const l = lines[pos.i]!;
    if (l.indent < indent) break;
    if (l.indent > indent || !(l.text.startsWith('- ') || l.text === '-')) {
      throw new YamlError(`line ${l.no}: expected a list item`);
    }
    const rest = l.text.slice(1).trim();
    if (rest === '') {
      pos.i++;
      out.push(
        pos.i < lines.length && lines[pos.i]!.indent > indent
          ? parseBlock(lines, pos, lines[pos.i]!.indent)
          : null,
      );
    } else if (isMapEntry(rest)) {
      // "- key: value" opens a mapping whose further keys align with "key"
      const inner = indent + (l.text.length - rest.length);
      lines[pos.i] = { indent: inner, text: rest, no: l.no };
      out.push(parseMap(lines, pos, inner));
    } else {
      out.push(parseScalar(rest, l.no));
      pos.i++;
    }
  }
  return out;
}

function isMapEntry(s: string): boolean {
  return splitKey(s) !== null;
}

function splitKey(s: string): [string, string] | null {
  const m = /^("[^"]*"|'[^']*'|[^\s'"{[][^:]*?)\s*:(\s+(.*))?$/.exec(s);
  if (!m) return null;
  const key = m[1]!.replace(/^["']|["']$/g, '');
  return [key, m[3] ?? ''];
}

function parseMap(lines: Line[], pos: { i: number }, indent: number): { [k: string]: Yaml } {
  const out: { [k: string]: Yaml } = {};
  while (pos.i < lines.length) {
    const l = lines[pos.i]!;
    if (l.indent < indent) break;
    if (l.indent > indent) throw new YamlError(`line ${l.no}: unexpected indentation`);
    const kv = splitKey(l.text);
    if (!kv) throw new YamlError(`line ${l.no}: expected "key: value"`);
    const [key, rest] = kv;
    pos.i++;
    if (rest !== '') {
      out[key] = parseScalar(rest, l.no);
    } else if (pos.i < lines.length && lines[pos.i]!.indent > indent) {
      out[key] = parseBlock(lines, pos, lines[pos.i]!.indent);
    } else if (
      pos.i < lines.length &&
      lines[pos.i]!.indent === indent &&
      lines[pos.i]!.text.startsWith('-')
    ) {
      out[key] = parseList(lines, pos, indent); // a list may sit at its key's indentation
    } else {
      out[key] = null;
    }
  }
  return out;
}

function parseScalar(s: string, no: number): Yaml {
  if (s.startsWith('{') || s.startsWith('[')) {
    const r = parseFlow(s, 0, no);
    if (s.slice(r.end).trim() !== '') throw new YamlError(`line ${no}: trailing text after flow value`);
    return r.value;
  }
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return JSON.parse(s) as string;
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlError(`line ${no}: unterminated string`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('|') || s.startsWith('>') || s.startsWith('&') || s.startsWith('*') || s.startsWith('!')) {
    throw new YamlError(`line ${no}: unsupported YAML feature "${s[0]}"`);
  }
  return plain(s);
}

function plain(s: string): Yaml {
  if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (/^(true|True|TRUE|yes|Yes)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|No)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
  if (/^[-+]?[0-9]*\.[0-9]+$/.test(s)) return Number(s);
  return s;
}

function parseFlow(s: string, start: number, no: number): { value: Yaml; end: number } {
  let i = start;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const atom = (stops: string): Yaml => {
    ws();
    if (s[i] === '{' || s[i] === '[') {
      const r = parseFlow(s, i, no);
      i = r.end;
      return r.value;
    }
    if (s[i] === '"' || s[i] === "'") {
      const q = s[i]!;
      const close = s.indexOf(q, i + 1);
      if (close < 0) throw new YamlError(`line ${no}: unterminated string`);
      const v = parseScalar(s.slice(i, close + 1), no);
      i = close + 1;
      return v;
    }
    let j = i;
    while (j < s.length && !stops.includes(s[j]!)) j++;
    const v = plain(s.slice(i, j).trim());
    i = j;
    return v;
  };
  if (s[i] === '[') {
    i++;
    const arr: Yaml[] = [];
    ws();
    if (s[i] === ']') return { value: arr, end: i + 1 };
    for (;;) {
      arr.push(atom(',]'));
      ws();
      if (s[i] === ',') i++;
      else if (s[i] === ']') return { value: arr, end: i + 1 };
      else throw new YamlError(`line ${no}: malformed flow list`);
    }
  }
  i++;
  const obj: { [k: string]: Yaml } = {};
  ws();
  if (s[i] === '}') return { value: obj, end: i + 1 };
  for (;;) {
    ws();
    const k = atom(':,}');
    ws();
    let v: Yaml = null;
    if (s[i] === ':') {
      i++;
      v = atom(',}');
    }
    obj[String(k)] = v;
    ws();
    if (s[i] === ',') i++;
    else if (s[i] === '}') return { value: obj, end: i + 1 };
    else throw new YamlError(`line ${no}: malformed flow mapping`);
  }
}
