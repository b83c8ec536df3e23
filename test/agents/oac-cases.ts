// The differential corpus for os-apply-config: template trees, metadata and flags, each run through
// the Python original and ours. Paths are relative so both runs log identical lines.
import type { Tree } from './support/differential.ts';

export type OacCase = { name: string; tree: Tree; args?: string[]; env?: Record<string, string> };

const STD = ['-t', 't', '-o', 'out', '-m', 'md.json'];
const j = (v: unknown) => JSON.stringify(v);
const exe = (content: string) => ({ content, mode: 0o755 });

const rich = {
  s: 'plain <b>&"quoted"\'</b>',
  n: 42,
  neg: -7,
  f: 1.5,
  whole: 2.0,
  tiny: 1e-7,
  huge: 1e22,
  sixteen: 1e16,
  bigfloat: 1.2345678901234568e29,
  t: true,
  fa: false,
  z: null,
  e: '',
  l: [1, 'two', { k: 'v' }, null, true, 2.5],
  d: { inner: { deep: 'x' }, num: 3 },
  u: 'héllo ☃ 😀',
  multi: 'line1\nline2\n',
};

// Raw JSON texts where JS would lose what Python keeps (int vs float, key order, duplicates).
const RAW_NUMBERS =
  '{"a": 1.0, "b": 100, "c": 1e16, "d": 12345678901234567890123, "e": -0.0, "f": 1E400, "g": 0.1, "h": 5e-324, "i": 1e-5, "j": 123456789.123456789, "k": -0, "l": [1.0, 2.50]}';
const RAW_ORDER = '{"b": 1, "2": "two", "a": {"z": 1, "10": 2, "1": 3}, "b": 4}';

export const OAC_CASES: OacCase[] = [
  {
    name: 'every value type interpolated',
    tree: {
      'md.json': j(rich),
      't/etc/all.conf':
        's={{s}}\nn={{n}} neg={{neg}} f={{f}} whole={{whole}} tiny={{tiny}} huge={{huge}} sixteen={{sixteen}}\n' +
        'bigfloat={{bigfloat}} t={{t}} fa={{fa}} z=[{{z}}] e=[{{e}}]\nl={{l}}\nd={{d}}\nu={{u}}\nmulti={{multi}}\n' +
        'triple={{{s}}} amp={{& s}} spaced={{ n }}\n',
    },
  },
  {
    name: 'numbers keep their Python type',
    tree: {
      'md.json': RAW_NUMBERS,
      't/n':
        'a={{a}} b={{b}} c={{c}} d={{d}} e={{e}} f={{f}} g={{g}} h={{h}} i={{i}} j={{j}} k={{k}} l={{l}}\n{{.}}\n',
    },
  },
  { name: 'key order and duplicate keys', tree: { 'md.json': RAW_ORDER, 't/o': '{{.}}\n{{a}}\n{{b}}\n' } },
  {
    name: 'sections over lists of dicts, nested, with outer fallback',
    tree: {
      'md.json': j({
        name: 'outer',
        servers: [
          { name: 'a', ips: ['10.0.0.1', '10.0.0.2'], opts: { x: 1 } },
          { host: 'b', ips: [] },
        ],
      }),
      't/s':
        '{{#servers}}\n[{{name}}]\n{{#ips}}ip={{.}}\n{{/ips}}\n{{^ips}}no ips\n{{/ips}}\n{{#opts}}x={{x}} {{name}}{{/opts}}\n{{/servers}}\n',
    },
  },
  {
    name: 'inverted sections on every falsy value',
    tree: {
      'md.json': j({ f: false, n: null, e: '', l: [], d: {}, z: 0, zf: 0.0, t: true, s: 'x', one: 1 }),
      't/inv':
        '{{^f}}f{{/f}}{{^n}}n{{/n}}{{^e}}e{{/e}}{{^l}}l{{/l}}{{^d}}d{{/d}}{{^z}}z{{/z}}{{^zf}}zf{{/zf}}{{^missing}}m{{/missing}}{{^t}}T{{/t}}{{^s}}S{{/s}}{{^one}}O{{/one}}\n' +
        '{{#f}}F{{/f}}{{#n}}N{{/n}}{{#d}}D{{/d}}{{#z}}Z{{/z}}{{#t}}t={{.}}{{/t}} {{#s}}s={{.}}{{/s}} {{#one}}1={{.}}{{/one}}\n',
    },
  },
  {
    name: 'list items that are scalars, nulls and lists',
    tree: {
      'md.json': j({ l: [0, null, false, 'x', [1, 2], { a: 1 }, 1.25] }),
      't/l': '{{#l}}<{{.}}>{{/l}}\n',
    },
  },
  {
    name: 'dotted names, including into lists and missing parts',
    tree: {
      'md.json': j({ a: { b: { c: 'deep' }, l: [{ x: 1 }] }, top: 'T' }),
      't/d':
        '{{a.b.c}}|{{a.b}}|{{a.l.0.x}}|{{a.missing.c}}|{{nope.x}}|{{#a.b}}{{c}}{{top}}{{/a.b}}|{{^a.x}}no{{/a.x}}\n',
    },
  },
  {
    name: 'standalone lines, CRLF, indentation and comments',
    tree: {
      'md.json': j({ l: [1, 2], t: true }),
      't/ws':
        'begin\r\n  {{#l}}  \r\n  item {{.}}\r\n  {{/l}}\r\n{{! a comment\nover lines }}\n  {{^t}}\n  hidden\n  {{/t}}\nend {{! inline }} tail\n\t{{t}}\n',
    },
  },
  {
    name: 'set delimiters',
    tree: {
      'md.json': j({ a: 'A', l: [1] }),
      't/delim': '{{=<% %>=}}\n<% a %> {{a}}\n<%#l%>[<%.%>]<%/l%>\n<%={{ }}=%>\n{{a}}\n',
    },
  },
  {
    name: 'unclosed section renders only its tail',
    tree: { 'md.json': j({ a: 'A', s: [1, 2] }), 't/u': 'head {{a}}\n{{#s}}in {{a}} {{.}}\ntail\n' },
  },
  {
    name: 'mismatched section end is an error',
    tree: { 'md.json': j({ a: 1 }), 't/ok': 'fine', 't/zz/bad': '{{#a}}x{{/b}}' },
  },
  { name: 'stray section end is an error', tree: { 'md.json': j({}), 't/bad': 'x {{/a}}' } },
  {
    name: 'missing partial renders empty',
    tree: { 'md.json': j({ a: 1 }), 't/p': 'a{{>nothing}}b\n  {{> nothing}}\nc\n' },
  },
  {
    name: 'odd tags: empty, braces, unbalanced',
    tree: { 'md.json': j({ a: 1, '{a': 2, '!': 3 }), 't/odd': '{{}} {{{a}} {{!}} {{ {a }} }} {{a}}}\n' },
  },
  {
    name: 'unicode template and metadata',
    tree: {
      'md.json': j({ snow: '☃', emoji: ['😀', 'é'], ctl: '\u0001\u007f' }),
      't/uni': 'é {{snow}} {{emoji}} {{ctl}} {{#emoji}}{{.}}{{/emoji}}\n',
    },
  },
  { name: 'empty template writes an empty file', tree: { 'md.json': j({}), 't/empty': '' } },
  {
    name: 'nested directories and a file at the root',
    tree: {
      'md.json': j({ x: 'X' }),
      't/rootfile': '{{x}}',
      't/etc/a/b/c/deep.conf': 'deep {{x}}',
      't/etc/a/side': 'side',
      't/var/lib/thing': 'thing',
      't/etc/.hidden': 'hidden {{x}}',
    },
  },
  {
    name: 'template root with a trailing slash',
    tree: { 'md.json': j({ x: 1 }), 't/etc/f': '{{x}}' },
    args: ['-t', 't/', '-o', 'out/', '-m', 'md.json'],
  },
  {
    name: 'missing template directory succeeds',
    tree: { 'md.json': j({}) },
    args: ['-t', 'nonexistent', '-o', 'out', '-m', 'md.json'],
  },
  {
    name: 'deep merge over several files, later wins, lists replaced',
    tree: {
      'a.json': j({ a: { x: 1, keep: 'y', l: [1, 2] }, s: 'scalar', d: { k: 1 } }),
      'b.json': j({ a: { x: 2, l: [3] }, s: { now: 'dict' }, d: 'now scalar' }),
      'c.json': '[1, 2]',
      'd.json': 'null',
      'e.json': '{}',
      't/m': '{{a}} {{s}} {{d}}\n',
    },
    args: ['-t', 't', '-o', 'out', '-m', 'a.json', 'missing.json', 'b.json', 'c.json', 'd.json', 'e.json'],
  },
  {
    name: 'repeated -m replaces the earlier list',
    tree: { 'a.json': j({ a: 'A' }), 'b.json': j({ b: 'B' }), 't/m': '[{{a}}][{{b}}]' },
    args: ['-t', 't', '-o', 'out', '-m', 'a.json', '-m', 'b.json'],
  },
  {
    name: 'fallback metadata is read first',
    tree: { 'f.json': j({ a: 'fallback', b: 'fb' }), 'm.json': j({ a: 'meta' }), 't/m': '{{a}} {{b}}' },
    args: ['-t', 't', '-o', 'out', '--fallback-metadata', 'f.json', '-m', 'm.json'],
  },
  { name: 'invalid JSON is an error and nothing is written', tree: { 'md.json': '{"a": 1,}', 't/x': 'x' } },
  {
    name: 'JSON with NaN and Infinity',
    tree: {
      'md.json': '{"n": NaN, "i": Infinity, "m": -Infinity, "l": [NaN]}',
      't/x': '{{n}} {{i}} {{m}} {{l}} {{#n}}truthy{{/n}}',
    },
  },
  {
    name: 'invalid UTF-8 template is an error',
    tree: { 'md.json': j({}), 't/bad': Buffer.from([0x61, 0xff, 0x62]) },
  },
  {
    name: 'OS_CONFIG_FILES from the environment',
    tree: { 'a.json': j({ a: 'A', b: 'b1' }), 'b.json': j({ b: 'B' }), 't/x': '{{a}}{{b}}' },
    args: ['-t', 't', '-o', 'out'],
    env: { OS_CONFIG_FILES: 'a.json::b.json:missing.json' },
  },
  {
    name: '--os-config-files list',
    tree: { 'a.json': j({ a: 'A' }), 'list.json': j(['a.json', 'missing.json']), 't/x': '{{a}}' },
    args: ['-t', 't', '-o', 'out', '--os-config-files', 'list.json', '--fallback-metadata'],
  },
  {
    name: '--os-config-files that is not a list',
    tree: { 'list.json': j({ not: 'a list' }), 't/x': 'x' },
    args: ['-t', 't', '-o', 'out', '--os-config-files', 'list.json'],
  },
  {
    name: 'executable template gets JSON on stdin',
    tree: {
      'md.json': j({ a: { b: [1, 2.5, 'é'] }, n: null }),
      't/etc/gen': exe('#!/bin/sh\necho "from script"\ncat\n'),
      't/etc/plain': '{{a}}',
    },
  },
  {
    name: 'failing executable template',
    tree: { 'md.json': j({}), 't/a': 'a', 't/gen': exe("#!/bin/sh\necho out; echo 'err\\\\' >&2; exit 3\n") },
  },
  {
    name: 'control file modes',
    tree: {
      'md.json': j({}),
      't/m755': 'x',
      't/m755.oac': 'mode: 0755\n',
      't/m600': 'x',
      't/m600.oac': '# comment\nmode: 0600 # trailing\n',
      't/m0': 'x',
      't/m0.oac': 'mode: 0\n',
      't/mdec': 'x',
      't/mdec.oac': 'mode: 420\n',
      't/mhex': 'x',
      't/mhex.oac': '---\nmode: 0x1ff\n',
      't/mflow': 'x',
      't/mflow.oac': '{mode: 0640, allow_empty: yes}\n',
      't/empty-oac': 'x',
      't/empty-oac.oac': '',
      't/comment-oac': 'x',
      't/comment-oac.oac': '# only a comment\n',
    },
  },
  {
    name: 'control file mode out of range',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: 01777\n' },
  },
  { name: 'control file mode negative', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: -1\n' } },
  {
    name: 'control file mode as a string',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': "mode: '0644'\n" },
  },
  {
    name: 'control file mode 0o style is a string',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: 0o644\n' },
  },
  { name: 'control file mode float', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: 6.44\n' } },
  { name: 'control file mode boolean', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: yes\n' } },
  {
    name: 'control file unknown key',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'mode: 0644\ncolour: blue\n' },
  },
  {
    name: 'control file that is a list',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': '- mode\n- 0644\n' },
  },
  { name: 'control file that is a scalar', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'just text\n' } },
  {
    name: 'owner and group by name and id',
    tree: {
      'md.json': j({}),
      't/a': 'a',
      't/a.oac': 'owner: daemon\ngroup: bin\n',
      't/b': 'b',
      't/b.oac': 'owner: 2\ngroup: 3\n',
      't/c': 'c',
      't/c.oac': 'owner: "root"\ngroup: \'root\'\nmode: 0640\n',
    },
  },
  { name: 'unknown owner', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'owner: no-such-user-here\n' } },
  { name: 'unknown group id', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'group: 54321\n' } },
  { name: 'owner of a wrong type', tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'owner: 1.5\n' } },
  {
    name: 'allow_empty false deletes or skips',
    tree: {
      'md.json': j({ empty: '', full: 'yes' }),
      't/gone': '{{empty}}',
      't/gone.oac': 'allow_empty: false\n',
      't/never': '{{empty}}',
      't/never.oac': 'allow_empty: False\n',
      't/kept': '{{full}}',
      't/kept.oac': 'allow_empty: off\n',
      't/emptyok': '{{empty}}',
      't/emptyok.oac': 'allow_empty: true\n',
      'out/gone': 'old content',
    },
  },
  {
    name: 'allow_empty not a boolean',
    tree: { 'md.json': j({}), 't/x': 'x', 't/x.oac': 'allow_empty: maybe\n' },
  },
  {
    name: 'existing files keep their mode; control file wins',
    tree: {
      'md.json': j({ v: 'new' }),
      't/keep': '{{v}}',
      't/forced': '{{v}}',
      't/forced.oac': 'mode: 0640\n',
      'out/keep': { content: 'old', mode: 0o600 },
      'out/forced': { content: 'old', mode: 0o600 },
    },
  },
  {
    name: 'one bad template means nothing is written',
    tree: { 'md.json': j({ a: 1 }), 't/a': 'a', 't/b/c': 'c', 't/b/c.oac': 'mode: 99999\n' },
  },
  {
    name: '--validate writes nothing',
    tree: { 'md.json': j({ a: 1 }), 't/a': '{{a}}' },
    args: [...STD, '--validate'],
  },
  { name: '--print-templates', tree: { 'md.json': j({}) }, args: ['--print-templates', '-t', 'some/where'] },
  {
    name: '--subhash',
    tree: { 'md.json': j({ a: { b: { x: 'X' }, y: 'Y' }, top: 'T' }), 't/s': '{{x}}|{{y}}|{{top}}' },
    args: [...STD, '--subhash', 'a.b'],
  },
  {
    name: '--subhash naming a scalar',
    tree: { 'md.json': j({ a: { b: 'str' } }), 't/s': 'x' },
    args: [...STD, '-s', 'a.b'],
  },
  {
    name: 'symlinks in the template tree',
    tree: {
      'md.json': j({ a: 'A' }),
      't/real': '{{a}}',
      't/link': { symlink: 'real' },
      't/dirlink': { symlink: '.' },
      't/broken': { symlink: 'nowhere' },
    },
  },
  {
    name: 'template that is also a dotfile control name',
    tree: { 'md.json': j({ a: 1 }), 't/x.oac': 'mode: 0600\n', 't/y': '{{a}}' },
  },
];

const keyDoc = {
  s: 'word_1',
  url: 'http://x/y',
  n: 5,
  f: 1.5,
  t: true,
  fa: false,
  z: null,
  l: ['a', { b: 'c' }, null],
  d: { k: 'v', n: [1, 2] },
  nl: 'line\n',
  ip: '192.0.2.1/24',
  dsn: 'mysql://user:pass@host/db?charset=utf8',
  swift: 'r1z1-10.0.0.1:%PORT%/sdb1,r1z2-10.0.0.2:%PORT%/sdc',
  user: 'nova-api',
  big: 'BIG',
  uni: 'é',
};

const keyCases: [string, string[]][] = [
  ['string', ['--key', 's']],
  ['url needs raw', ['--key', 'url']],
  ['url raw', ['--key', 'url', '--type', 'raw']],
  ['int', ['--key', 'n', '--type', 'int']],
  ['float default', ['--key', 'f']],
  ['float raw', ['--key', 'f', '--type', 'raw']],
  ['float int', ['--key', 'f', '--type', 'int']],
  ['bool', ['--key', 't']],
  ['false', ['--key', 'fa']],
  ['null with default', ['--key', 'z', '--key-default', 'dflt']],
  ['null without default', ['--key', 'z']],
  ['missing with empty default', ['--key', 'nope', '--key-default', '']],
  ['missing without default', ['--key', 'nope']],
  ['list index', ['--key', 'l.1.b']],
  ['list negative index', ['--key', 'l.-2.b']],
  ['list index out of range', ['--key', 'l.9', '--key-default', 'd']],
  ['list index to null', ['--key', 'l.2', '--key-default', 'd']],
  ['list raw', ['--key', 'l', '--type', 'raw']],
  ['dict raw', ['--key', 'd', '--type', 'raw']],
  ['dict default type', ['--key', 'd']],
  ['into a string', ['--key', 's.x', '--key-default', 'd']],
  ['trailing newline passes default', ['--key', 'nl']],
  ['netaddress', ['--key', 'ip', '--type', 'netaddress']],
  ['netdevice', ['--key', 's', '--type', 'netdevice']],
  ['dsn', ['--key', 'dsn', '--type', 'dsn']],
  ['dsn mismatch', ['--key', 'ip', '--type', 'dsn']],
  ['swiftdevices', ['--key', 'swift', '--type', 'swiftdevices']],
  ['username', ['--key', 'user', '--type', 'username']],
  ['username mismatch', ['--key', 'url', '--type', 'username']],
  ['unknown type', ['--key', 's', '--type', 'nosuch']],
  ['big int', ['--key', 'big', '--type', 'int']],
  ['unicode raw', ['--key', 'uni', '--type', 'raw']],
  ['default not type-checked', ['--key', 'nope', '--key-default', 'http://x', '--type', 'int']],
  ['boolean true', ['--boolean-key', 't']],
  ['boolean false', ['--boolean-key', 'fa']],
  ['boolean non-bool', ['--boolean-key', 's']],
  ['boolean missing', ['--boolean-key', 'nope']],
  ['key and boolean-key together', ['--key', 's', '--boolean-key', 't']],
  ['abbreviated options', ['--ke', 's', '--ty', 'raw']],
  ['equals form', ['--key=n', '--type=int']],
  ['unknown option', ['--no-such-flag']],
  ['positional argument', ['stray']],
];

for (const [name, args] of keyCases) {
  OAC_CASES.push({
    name: `--key: ${name}`,
    tree: { 'md.json': j(keyDoc).replace('"BIG"', '12345678901234567890') },
    args: ['-m', 'md.json', ...args],
  });
}
