// The YAML 1.1 edge cases, judged by PyYAML itself (Debian's python3-yaml): every document is read by
// yaml.safe_load and by loadYaml, and both results are compared in one canonical form. Then what
// dumpYaml writes is read back by PyYAML, which must see the data we meant.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { dumpYaml, loadYaml } from '../../src/platform/yaml.ts';

const PY_CANON = `
import datetime, json, math, sys, yaml
def canon(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return {'int': str(v)}
    if isinstance(v, float): return {'float': 'nan' if math.isnan(v) else repr(v) if math.isinf(v) else v}
    if isinstance(v, datetime.datetime):
        if v.tzinfo: v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return {'time': v.isoformat(timespec='milliseconds')}
    if isinstance(v, datetime.date): return {'time': v.isoformat() + 'T00:00:00.000'}
    if isinstance(v, list): return [canon(x) for x in v]
    if isinstance(v, dict): return {'map': [[canon(k), canon(x)] for k, x in v.items()]}
    return {'other': repr(v)}
out = []
for doc in json.load(sys.stdin):
    try: out.append(canon(yaml.safe_load(doc)))
    except (yaml.YAMLError, ValueError) as e: out.append({'error': type(e).__name__})
print(json.dumps(out))
`;

function canon(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number')
    return { float: Number.isNaN(v) ? 'nan' : Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf' };
  if (v instanceof Date) return { time: v.toISOString().slice(0, -1) };
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [canon(k), canon(x)]) };
  return { other: String(v) };
}

function pyyaml(docs: string[]): unknown[] | undefined {
  const r = spawnSync('python3', ['-c', PY_CANON], { input: JSON.stringify(docs), encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as unknown[];
}

const noPyyaml = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status !== 0;

// Each row: a document, and what it is for (the assertion compares with PyYAML, not with this text).
const CASES: [string, string][] = [
  ['yes', 'YAML 1.1 boolean'],
  ['No', 'YAML 1.1 boolean'],
  ['ON', 'YAML 1.1 boolean'],
  ['off', 'YAML 1.1 boolean'],
  ['y', 'not a boolean in PyYAML (it is in the 1.1 spec)'],
  ['N', 'not a boolean in PyYAML'],
  ['tRUE', 'mixed case is a string'],
  ['0755', 'leading zero: octal'],
  ['-0755', 'signed octal'],
  ['08', 'not octal, not decimal: a string'],
  ['0o755', '1.2 octal is a string in 1.1'],
  ['0x1F', 'hexadecimal'],
  ['0b1010', 'binary'],
  ['1_000_000', 'underscores in integers'],
  ['0_', 'an underscore after zero'],
  ['00', 'zero as octal'],
  ['190:20:30', 'sexagesimal integer'],
  ['-1:30', 'negative sexagesimal'],
  ['0:30', 'sexagesimal needs a non-zero first digit: a string'],
  ['1:30.5', 'sexagesimal float'],
  ['123456789012345678901234567890', 'an integer beyond 2^53 stays exact'],
  ['1.5', 'float'],
  ['1.', 'float with a bare dot'],
  ['.5', 'float without a leading digit'],
  ['-.5', 'signed, no leading digit: a string'],
  ['1e3', 'exponent without a dot: a string'],
  ['1.0e3', 'exponent without a sign: a string'],
  ['1.0e+3', 'float with exponent'],
  ['6.8523015e+5', 'float with exponent'],
  ['1_0.5', 'underscores in floats'],
  ['.inf', 'infinity'],
  ['-.Inf', 'negative infinity'],
  ['.NaN', 'not a number'],
  ['~', 'null'],
  ['Null', 'null'],
  ['', 'an empty document is null'],
  ['# only a comment\n', 'a comment alone is null'],
  ['2001-12-14', 'a date'],
  ['2001-1-1', 'a date needs two digits: a string'],
  ['2001-12-14t21:59:43.10-05:00', 'a timestamp with a zone'],
  ['2001-12-14 21:59:43.10 -5', 'a spaced timestamp'],
  ['2001-12-14 21:59:43', 'a timestamp without a zone'],
  ['2001-02-30', 'a date that does not exist is an error'],
  ['2001-12-14 24:00:00', 'an hour that does not exist is an error'],
  ['0099-01-01', 'a year below 100 is that year'],
  ['=', 'the value key alone has no constructor'],
  ['- <<\n', 'a merge key that is not a key has no constructor'],
  ['"yes"', 'quoted scalars are strings'],
  ["'0755'", 'quoted scalars are strings'],
  ['!!str 0755', 'explicit string tag'],
  ['!!int "0x10"', 'explicit int tag on a quoted scalar'],
  ['!!float "1"', 'explicit float tag'],
  ['"\\x41\\u00e9\\/\\t"', 'double-quoted escapes'],
  ['mode: 0600\nowner: root\n', 'a control file'],
  ['{mode: 0640, allow_empty: no}', 'a flow mapping'],
  ['a: 1\na: 2\n', 'duplicate keys: the last value, at the first position'],
  ['b: 1\na: 2\nc: 3\n', 'insertion order'],
  ['base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n', 'merge keys'],
  ['- &a [1, 2]\n- *a\n', 'aliases'],
  ['1: one\nyes: two\n~: three\n', 'keys of other types'],
  ['a: |\n  line\n  two\n', 'literal block scalar'],
  ['a: >-\n  folded\n  text\n', 'folded block scalar'],
  ['a: b\r\nc: d\r\n', 'CRLF line ends'],
  ['\ufeffa: 1\n', 'a byte-order mark at the start is skipped'],
  ['a: "x\ufeffy"\n', 'a byte-order mark inside a string is kept'],
  ['a: \u0001\n', 'a control character is refused'],
  ['a: \u0085b\n', 'NEL is a YAML 1.1 line break'],
  ['a: "b\u0085  c"\n', 'NEL folds like any line break'],
  ['a: |\n  b\u0085  c\n', 'NEL in a literal block becomes \\n'],
  ['a: 1\n---\nb: 2\n', 'two documents are an error'],
  ['a: 1\n   b: 2\n', 'bad indentation is an error'],
  ['a: "x\n', 'an unterminated quote is an error'],
  ['a:\n\tb: 1\n', 'a tab as indentation is an error'],
  ['a: b\tc\n', 'a tab inside a plain scalar is an error'],
  ['a: b\t# c\n', 'PyYAML skips only spaces between tokens: a tab is an error'],
  ['a:\tb\n', 'a tab after the colon is an error'],
  ['[a,\tb]\n', 'a tab in a flow sequence is an error'],
  ['a: b # c\td\n', 'a tab in a comment is fine'],
  ['a: |\n  x\ty\n', 'a tab in a block scalar is fine'],
  ['a: "b\tc"\n', 'a tab inside quotes is fine'],
  ['a: *nope\n', 'an unknown alias is an error'],
];

test('loadYaml reads YAML 1.1 exactly as PyYAML safe_load does', (t) => {
  if (noPyyaml) return t.skip('no python3 with PyYAML (Debian python3-yaml)');
  const want = pyyaml(CASES.map(([doc]) => doc));
  assert.ok(want, 'python3 ran');
  CASES.forEach(([doc, why], k) => {
    let got: unknown;
    try {
      got = canon(loadYaml(doc, { python: true }));
    } catch {
      got = 'error';
    }
    const expected = want[k] as { error?: string } | unknown;
    if (expected && typeof expected === 'object' && 'error' in (expected as object))
      assert.equal(got, 'error', `${JSON.stringify(doc)}: ${why}`);
    else assert.deepEqual(got, expected, `${JSON.stringify(doc)}: ${why}`);
  });
});

test('LS and PS, line breaks in YAML 1.1 that stay in scalars, are refused rather than misread', () => {
  assert.throws(() => loadYaml('a: b\u2028c\n', { source: 'f.yaml' }), /f\.yaml: line separator U\+2028/);
  assert.throws(() => loadYaml('a: "\u2029"\n'), /U\+2029 is not supported/);
});

test('dumpYaml writes what PyYAML reads back as the same data', (t) => {
  if (noPyyaml) return t.skip('no python3 with PyYAML (Debian python3-yaml)');
  const values: unknown[] = [
    { clouds: { seed: { auth: { password: 'yes', username: '0755' }, identity_api_version: 3 } } },
    ['on', 'Off', '08', '1:30', '1e3', '1.0e+3', '~', '', 'null', '2001-12-14', '= ', '<<', '#x', 'a: b'],
    [1.5, 1e21, -0.25, 12345678901234567890n, true, null],
    { 'key with: colon': 'it\'s "quoted"', multi: 'two\nlines\n', tab: 'a\tb', unicode: 'é✓' },
  ];
  const docs = values.map((v) => dumpYaml(v));
  const back = pyyaml(docs);
  assert.ok(back, 'python3 ran');
  values.forEach((v, k) => {
    assert.deepEqual(back[k], canon(loadYaml(docs[k]!, { python: true })), docs[k]);
    // And our own reading of it is the value we wrote (integers come back as bigint, maps as Map).
    const plain = loadYaml(docs[k]!);
    assert.deepEqual(
      JSON.stringify(plain, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)),
      JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)),
    );
  });
});
