// YAML as the Python originals read it. os-apply-config, diskimage-builder and openstacksdk all call
// PyYAML's safe_load, which is YAML 1.1: yes/no/on/off are booleans, 0755 is octal, 1:30 is 90, `<<`
// merges, duplicate keys keep the last value. The `yaml` package parses (and reports line and column);
// the implicit types below are PyYAML's resolver regexes, because the package's own 1.1 schema differs
// at the edges (it reads y/n as booleans, 08 and 1e3 as numbers). Pure: the agents' bundles include it.
import { CST, Document, Lexer, parseDocument, type ScalarTag, type Tags, visit } from 'yaml';

export class YamlError extends Error {}

/** What loadYaml gives without the python option. */
export type YamlData = null | boolean | number | string | Date | YamlData[] | { [key: string]: YamlData };

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$/;
// Reader.NON_PRINTABLE: PyYAML refuses these characters anywhere in the stream.
const NON_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function sexagesimal(parts: string[]): number {
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

// Python's int(): arbitrary precision, kept as bigint when the caller models Python's data.
function resolveInt(src: string, onError: (m: string) => void, opts: { intAsBigInt?: boolean }): unknown {
  let t = src.replaceAll('_', '');
  let neg = false;
  if (t[0] === '-' || t[0] === '+') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let v: bigint;
  try {
    if (t === '0') v = 0n;
    else if (t.startsWith('0b')) v = BigInt(`0b${t.slice(2)}`);
    else if (t.startsWith('0x')) v = BigInt(`0x${t.slice(2)}`);
    else if (t.startsWith('0')) v = BigInt(`0o${t.slice(1)}`);
    else if (t.includes(':')) v = BigInt(sexagesimal(t.split(':')));
    else v = BigInt(t);
  } catch {
    onError(`invalid integer ${src}`);
    return src;
  }
  if (neg) v = -v;
  return opts.intAsBigInt ? v : Number(v);
}

function resolveFloat(src: string, onError: (m: string) => void): number {
  let t = src.replaceAll('_', '').toLowerCase();
  const sign = t[0] === '-' ? -1 : 1;
  if (t[0] === '-' || t[0] === '+') t = t.slice(1);
  if (t === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (t === '.nan') return Number.NaN;
  if (t.includes(':')) return sign * sexagesimal(t.split(':'));
  const v = Number(t);
  if (Number.isNaN(v) || t.trim() === '') onError(`could not convert string to float: '${src}'`);
  return sign * v;
}

// A date alone is midnight UTC; a time without a zone is read as UTC (PyYAML gives a naive datetime).
function resolveTimestamp(src: string, onError: (m: string) => void): Date | string {
  const m = TIMESTAMP.exec(src);
  if (!m) {
    onError(`not a timestamp: ${src}`);
    return src;
  }
  const [y, mo, d, h, mi, sec] = (m[1] ? [m[1], m[2], m[3], 0, 0, 0] : m.slice(4, 10)).map(
    Number,
  ) as number[];
  const date = new Date(0);
  date.setUTCFullYear(y!, mo! - 1, d!); // not Date.UTC, which reads years below 100 as 19xx
  date.setUTCHours(h!, mi!, sec!, Number((m[10] ?? '').padEnd(3, '0').slice(0, 3)));
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  // Python's datetime refuses what Date would roll over (February 30th, 25 o'clock, year 0).
  if (y! < 1 || [...fields, ...time].some((v, k) => v !== [y, mo, d, h, mi, sec][k])) {
    onError(`invalid timestamp: ${src}`);
    return src;
  }
  if (m[12])
    date.setTime(
      date.getTime() - (m[12] === '-' ? -1 : 1) * (Number(m[13]) * 60 + Number(m[14] ?? 0)) * 60_000,
    );
  return date;
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (!Number.isFinite(v)) return v < 0 ? '-.inf' : '.inf';
  const s = String(v);
  // PyYAML needs a dot to read a float: 1e+21 alone would be a string.
  return /^-?[0-9]+e/.test(s) ? s.replace('e', '.0e') : s;
}

export const PYYAML_TAGS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: BOOL,
    identify: (v) => typeof v === 'boolean',
    resolve: (s, onError) => {
      if (!BOOL.test(s) && !BOOL.test(s.toLowerCase())) onError(`not a boolean: ${s}`);
      return TRUE.test(s.toLowerCase());
    },
    stringify: ({ value }) => (value ? 'true' : 'false'),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: INT,
    identify: (v) => typeof v === 'bigint' || Number.isSafeInteger(v),
    resolve: resolveInt,
    stringify: ({ value }) => String(value),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: FLOAT,
    identify: (v) => typeof v === 'number',
    resolve: resolveFloat,
    stringify: ({ value }) => floatText(value as number),
  },
  {
    tag: 'tag:yaml.org,2002:timestamp',
    default: true,
    test: TIMESTAMP,
    identify: (v) => v instanceof Date,
    resolve: resolveTimestamp,
    stringify: ({ value }) => (value as Date).toISOString(),
  },
  {
    // safe_load has no constructor for a plain `=` (the value tag) or a `<<` that is not a key.
    tag: 'tag:yaml.org,2002:value',
    default: true,
    test: /^(?:=|<<)$/,
    resolve: (s, onError) => {
      onError(
        `could not determine a constructor for the tag 'tag:yaml.org,2002:${s === '=' ? 'value' : 'merge'}'`,
      );
      return s;
    },
  },
];

// An explicit tag (!!int "0x10") constructs whatever the text, as PyYAML does: the package only uses a
// tag whose test matches, unless one of that name has no test, so each also comes without one.
const EXPLICIT: ScalarTag[] = PYYAML_TAGS.map((t) => ({ ...t, default: false, test: undefined }));

const REPLACED = new Set(PYYAML_TAGS.map((t) => t.tag));

function pyyamlTags(tags: Tags): Tags {
  const kept = tags.filter((t) => typeof t === 'string' || !REPLACED.has(t.tag));
  // The package writes the string "<<" plain, which PyYAML reads as a merge: only its merge symbol is one.
  const merge = (t: Tags[number]) =>
    typeof t !== 'string' && t.tag === 'tag:yaml.org,2002:merge'
      ? { ...t, identify: (v: unknown) => typeof v === 'symbol' && v.description === '<<' }
      : t;
  // Ours come after the package's, so a `<<` key still finds the merge tag first.
  return [...kept.map(merge), ...PYYAML_TAGS, ...EXPLICIT];
}

const OPTIONS = {
  version: '1.1',
  schema: 'yaml-1.1',
  customTags: pyyamlTags,
  uniqueKeys: false,
  logLevel: 'error',
} as const;

// Python's dict treats True, 1 and 1.0 as one key (False and 0 likewise): the first key stays, with the
// value set last. The package's Map keeps them apart, so they are folded here.
function numericKey(k: unknown): number | undefined {
  if (typeof k === 'boolean') return k ? 1 : 0;
  if (typeof k === 'bigint') return k >= -(2n ** 53n) && k <= 2n ** 53n ? Number(k) : undefined;
  return typeof k === 'number' ? k : undefined;
}

function foldPythonKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(foldPythonKeys);
  if (!(v instanceof Map)) return v;
  const out = new Map<unknown, unknown>();
  const byNumber = new Map<number, unknown>();
  for (const [k, x] of v) {
    const n = numericKey(k);
    const first = n === undefined ? k : byNumber.get(n);
    if (n !== undefined && first === undefined) byNumber.set(n, k);
    out.set(first ?? k, foldPythonKeys(x));
  }
  return out;
}

// PyYAML only skips spaces between tokens: a tab anywhere but in a quoted or block scalar or a comment
// is a ScannerError, where the package (YAML 1.2) takes it as white space. The line of the first one.
function misplacedTab(src: string): number | undefined {
  if (!src.includes('\t')) return undefined;
  let line = 1;
  let blockHeader = false;
  let scalarNext = false;
  for (const token of new Lexer().lex(src)) {
    const type = CST.tokenType(token);
    const inScalar = scalarNext;
    scalarNext = token === CST.SCALAR;
    if (type === 'block-scalar-header') blockHeader = true;
    const allowed =
      type === 'comment' ||
      type === 'single-quoted-scalar' ||
      type === 'double-quoted-scalar' ||
      (inScalar && blockHeader);
    if (inScalar) blockHeader = false;
    const tab = token.indexOf('\t');
    if (tab >= 0 && !allowed) return line + (token.slice(0, tab).match(/\n/g)?.length ?? 0);
    line += token.match(/\n/g)?.length ?? 0;
  }
  return undefined;
}

export interface LoadOptions {
  /** Integers as bigint (Python's int) and mappings as Map (any key type, insertion order). */
  python?: boolean;
  /** Named in error messages. */
  source?: string;
}

/** yaml.safe_load: one document (none → null), or a YamlError with line and column. */
export function loadYaml(text: string, opts: LoadOptions = {}): unknown {
  const bad = NON_PRINTABLE.exec(text);
  const where = opts.source ? `${opts.source}: ` : '';
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).padStart(4, '0');
    throw new YamlError(
      `${where}unacceptable character #x${code}: special characters are not allowed (position ${bad.index})`,
    );
  }
  // YAML 1.1 line breaks the package (YAML 1.2) reads as content. PyYAML turns NEL into \n wherever it
  // is, so that is exact; LS and PS break lines but stay in scalars, which no rewrite reproduces.
  const ls = /[\u2028\u2029]/.exec(text);
  if (ls)
    throw new YamlError(`${where}line separator U+${ls[0].codePointAt(0)!.toString(16)} is not supported`);
  const src = text.replaceAll('\x85', '\n');
  const doc = parseDocument(src, { ...OPTIONS, intAsBigInt: !!opts.python });
  const err = doc.errors[0];
  if (err) throw new YamlError(`${where}${err.message}`);
  const tabLine = misplacedTab(src);
  if (tabLine)
    throw new YamlError(`${where}found character '\\t' that cannot start any token at line ${tabLine}`);
  let v: unknown;
  try {
    v = doc.toJS({ mapAsMap: !!opts.python }) ?? null;
  } catch (e) {
    throw new YamlError(`${where}${e instanceof Error ? e.message : String(e)}`);
  }
  return opts.python ? foldPythonKeys(v) : v;
}

/** YAML that PyYAML reads back to the same data: strings that would resolve to another type are quoted. */
export function dumpYaml(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  // A tab cannot sit in a plain scalar for PyYAML (see loadYaml): such strings are double-quoted.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.includes('\t')) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indent: 2, lineWidth: 0 });
}
