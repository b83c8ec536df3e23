// JSON with Python's data model: the originals are Python, and their output depends on it.
// Objects keep insertion order with string keys (a JS object would move "2" before "b"),
// integers are arbitrary precision (bigint), floats stay floats (1.0 prints as 1.0, not 1).

export type PyValue = null | boolean | string | bigint | number | PyValue[] | PyDict;
export type PyDict = Map<string, PyValue>;

export function isDict(v: PyValue | undefined): v is PyDict {
  return v instanceof Map;
}

export class JsonError extends Error {}

const WS = new Set([' ', '\t', '\n', '\r']);
// CPython refuses to turn more digits than this into an int (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;
const NUMBER = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const STOP = /["\\\u0000-\u001f]/g;

function position(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `line ${line} column ${col} (char ${pos})`;
}

// json.loads: accepts NaN/Infinity, lone surrogates, duplicate keys (last value, first position).
export function parseJson(text: string): PyValue {
  let i = 0;
  const fail = (msg: string, at = i): never => {
    throw new JsonError(`${msg}: ${position(text, at)}`);
  };
  const take = <T>(n: number, v: T): T => {
    i += n;
    return v;
  };
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const value = (): PyValue => {
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') return obj();
    if (c === '[') return arr();
    if (text.startsWith('null', i)) return take(4, null);
    if (text.startsWith('true', i)) return take(4, true);
    if (text.startsWith('false', i)) return take(5, false);
    if (text.startsWith('NaN', i)) return take(3, Number.NaN);
    if (text.startsWith('Infinity', i)) return take(8, Number.POSITIVE_INFINITY);
    if (text.startsWith('-Infinity', i)) return take(9, Number.NEGATIVE_INFINITY);
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      if (m[1]!.replace('-', '').length > MAX_INT_DIGITS)
        fail('Exceeds the limit for integer string conversion');
      return BigInt(m[1]!);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      STOP.lastIndex = i;
      if (!STOP.test(text)) fail('Unterminated string starting at', start);
      const j = STOP.lastIndex - 1;
      out += text.slice(i, j);
      i = j;
      const c = text[i]!;
      if (c === '"') return take(1, out);
      if (c !== '\\') fail('Invalid control character at');
      const e = text[i + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e === undefined) fail('Unterminated string starting at', start);
      if (e !== 'u') {
        const s = simple[e!];
        if (s === undefined) fail('Invalid \\escape', i);
        out += s;
        i += 2;
        continue;
      }
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape', i + 1);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
    }
  };
  const obj = (): PyDict => {
    const d: PyDict = new Map();
    i++;
    skip();
    if (text[i] === '}') return take(1, d);
    for (;;) {
      if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
      const k = str();
      skip();
      if (text[i] !== ':') fail("Expecting ':' delimiter");
      i++;
      skip();
      d.set(k, value());
      skip();
      if (text[i] === '}') return take(1, d);
      if (text[i] !== ',') fail("Expecting ',' delimiter");
      i++;
      skip();
      if (text[i] !== '"') fail('Expecting property name enclosed in double quotes', i);
    }
  };
  const arr = (): PyValue[] => {
    const a: PyValue[] = [];
    i++;
    skip();
    if (text[i] === ']') return take(1, a);
    for (;;) {
      skip();
      a.push(value());
      skip();
      if (text[i] === ']') return take(1, a);
      if (text[i] !== ',') fail("Expecting ',' delimiter");
      i++;
    }
  };
  if (text.charCodeAt(0) === 0xfeff) fail('Unexpected UTF-8 BOM (decode using utf-8-sig)', 0);
  skip();
  const v = value();
  const end = i;
  skip();
  if (i !== text.length) fail('Extra data', end);
  return v;
}

// float.__repr__: shortest round-trip digits, fixed notation for exponents -4..15, else 1e+16 style.
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  const sign = x < 0 ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1) || '0';
    return `${sign}${whole}.${frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

function jsonString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[k];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(x);
}

// json.dumps(v) / json.dumps(v, indent=n): ensure_ascii, ", " and ": " separators ("," with indent).
export function dumpJson(v: PyValue, indent?: number, level = 0): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return jsonFloat(v);
  const items: string[] = Array.isArray(v)
    ? v.map((x) => dumpJson(x, indent, level + 1))
    : [...v].map(([k, x]) => `${jsonString(k)}: ${dumpJson(x, indent, level + 1)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  if (indent === undefined) return open + items.join(', ') + close;
  const pad = '\n' + ' '.repeat(indent * (level + 1));
  return open + pad + items.join(',' + pad) + '\n' + ' '.repeat(indent * level) + close;
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

// repr() of a str: quote choice and escapes as CPython does.
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
      else out += `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + q;
}

// repr() of bytes (b'...'), used where the original formats subprocess output into a message.
export function bytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const q = hasSingle && !b.includes(0x22) ? '"' : "'";
  let out = 'b' + q;
  for (const c of b) {
    if (c === q.charCodeAt(0) || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out + q;
}

// repr() of any value: what str() gives for containers (strings inside are repr'd).
export function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isDict(v)) return `{${[...v].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

// str() of any value.
export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return floatRepr(v);
  return pyRepr(v);
}

// Python truthiness.
export function truthy(v: PyValue): boolean {
  if (v === null || v === false || v === '') return false;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return v.size > 0;
  return true;
}

// Python ==, deep (1 == 1.0 and True == 1 hold, as in the original's change detection).
export function pyEqual(a: PyValue, b: PyValue): boolean {
  const num = (x: PyValue): number | bigint | undefined =>
    typeof x === 'boolean' ? (x ? 1n : 0n) : typeof x === 'bigint' || typeof x === 'number' ? x : undefined;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'number' && Number.isNaN(na)) return false;
    // biome-ignore lint/suspicious/noDoubleEquals: bigint/number comparison by value is intended
    return na == nb;
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, k) => pyEqual(x, b[k]!));
  if (isDict(a) && isDict(b)) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !pyEqual(x, b.get(k)!)) return false;
    return true;
  }
  return a === b;
}

// Convert plain JS data (from our own code, e.g. parsed XML) into the Python model.
export function fromJs(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map(fromJs);
  return new Map(Object.entries(v as object).map(([k, x]) => [k, fromJs(x)]));
}
