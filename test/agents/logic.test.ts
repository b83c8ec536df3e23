// Table-driven tests of the pure pieces: the Python JSON model, mustache, merging and key lookup,
// .oac YAML scalars, deployment explosion, the CFN signature and XML, HTTP dates, INI parsing.
// Expected values were produced by the Python originals (CPython 3.11, pystache 0.6, keystoneclient).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deepMerge,
  ensureType,
  extractKey,
  mergeConfigs,
  subhash,
} from '../../src/agents/config/metadata.ts';
import { render } from '../../src/agents/config/mustache.ts';
import { canonicalQuery, parseXml, signV2 } from '../../src/agents/config/occ-cfn.ts';
import { explodeDeployments, parseHttpDate } from '../../src/agents/config/occ-collectors.ts';
import { parseIni } from '../../src/agents/config/occ-config.ts';
import {
  dumpJson,
  floatRepr,
  JsonError,
  type PyValue,
  parseJson,
  pyEqual,
  pyRepr,
  pyStr,
} from '../../src/agents/config/pyjson.ts';
import { makeLogger } from '../../src/agents/config/pylog.ts';
import { loadPyYaml } from '../../src/agents/config/pyyaml.ts';

const j = (s: string) => parseJson(s);

test('float repr matches CPython', () => {
  const table: [number, string][] = [
    [1e16, '1e+16'],
    [1e-5, '1e-05'],
    [0.1, '0.1'],
    [Number('123456789.123456789'), '123456789.12345679'],
    [1e22, '1e+22'],
    [-0.0, '-0.0'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [100.0, '100.0'],
    [1e15, '1000000000000000.0'],
    [Number('12345678901234567.0'), '1.2345678901234568e+16'],
    [0.0001, '0.0001'],
    [Number.POSITIVE_INFINITY, 'inf'],
  ];
  for (const [x, want] of table) assert.equal(floatRepr(x), want, String(x));
});

test('JSON parse and dump keep Python types and order', () => {
  const table: [string, string][] = [
    ['{"b": 1, "2": 2, "a": 1.0}', '{"b": 1, "2": 2, "a": 1.0}'],
    ['{"a": 1, "a": 2, "b": 3}', '{"a": 2, "b": 3}'],
    ['[12345678901234567890123, -0, 1E2, 2.50]', '[12345678901234567890123, 0, 100.0, 2.5]'],
    ['"\\u00e9\\ud83d\\ude00\\u2028\\u007f"', '"\\u00e9\\ud83d\\ude00\\u2028\\u007f"'],
    ['[NaN, Infinity, -Infinity, null, true]', '[NaN, Infinity, -Infinity, null, true]'],
    [' {} ', '{}'],
  ];
  for (const [input, want] of table) assert.equal(dumpJson(j(input)), want, input);
  assert.equal(
    dumpJson(j('{"a":[1,{"b":null}],"c":"é"}'), 1),
    '{\n "a": [\n  1,\n  {\n   "b": null\n  }\n ],\n "c": "\\u00e9"\n}',
  );
  for (const bad of ['{"a": 1,}', '[1 2]', '01', '"\t"', '\ufeff{}', '{"a"}', '', 'nul']) {
    assert.throws(() => j(bad), JsonError, JSON.stringify(bad));
  }
});

test('str, repr, equality as Python', () => {
  assert.equal(pyStr(j('{"a": [true, null, "it\'s"], "b": 1.5}')), `{'a': [True, None, "it's"], 'b': 1.5}`);
  assert.equal(pyRepr('tab\tnew\nq\'d"'), `'tab\\tnew\\nq\\'d"'`);
  assert.ok(pyEqual(j('{"a": 1, "b": [1.0]}'), j('{"b": [1], "a": 1.0}')));
  assert.ok(pyEqual(j('true'), j('1')));
  assert.ok(!pyEqual(j('{"a": 1}'), j('{"a": "1"}')));
});

test('mustache renders as pystache does for os-apply-config', () => {
  const ctx = j(
    '{"s": "<&>", "n": 5, "f": 1.0, "t": true, "z": null, "l": [1, "a"], "d": {"k": "v"}, "e": [], "o": {}, "people": [{"name": "x"}, {"other": 1}], "name": "outer"}',
  );
  const table: [string, string][] = [
    ['{{s}}|{{{s}}}|{{&s}}', '<&>|<&>|<&>'],
    ['{{n}} {{f}} {{t}} [{{z}}] [{{missing}}]', '5 1.0 true [] []'],
    ['{{l}} {{d}} {{d.k}} {{d.missing}}', '[1, "a"] {"k": "v"} v '],
    ['{{#l}}<{{.}}>{{/l}}', '<1><a>'],
    ['{{#people}}{{name}};{{/people}}', 'x;outer;'],
    ['{{^e}}empty{{/e}}{{^o}}noobj{{/o}}{{#o}}obj{{/o}}{{^z}}null{{/z}}', 'emptynoobjnull'],
    ['{{#t}}{{.}}{{/t}} {{#n}}{{.}}{{/n}} {{#d}}{{k}}{{/d}}', 'true 5 v'],
    ['a\n  {{#t}}\n  in\n  {{/t}}\nb\n', 'a\n  in\nb\n'],
    ['x {{! comment }} y', 'x  y'],
    ['{{=<% %>=}}<% n %> {{n}}', '5 {{n}}'],
    ['before {{#l}}open', 'open'],
    ['{{>nopartial}}!', '!'],
    ['{{ n }}{{#  t }}T{{/t}}', '5T'],
  ];
  for (const [tpl, want] of table) assert.equal(render(tpl, ctx), want, tpl);
  assert.throws(() => render('{{#a}}x{{/b}}', ctx), /Section end tag mismatch: b != a/);
  assert.throws(() => render('{{/a}}', ctx), /Section end tag mismatch: a != None/);
});

test('deep merge: mappings merge, everything else replaces', () => {
  const table: [string[], string][] = [
    [['{"a":{"x":1,"keep":"y"}}', '{"a":{"x":2},"l":[1]}'], '{"a": {"x": 2, "keep": "y"}, "l": [1]}'],
    [['{"l":[1,2]}', '{"l":[3]}'], '{"l": [3]}'],
    [['{"a":{"b":1}}', '{"a":"s"}'], '{"a": "s"}'],
    [['{"a":"s"}', '{"a":{"b":1}}'], '{"a": {"b": 1}}'],
    [['{"a":1}', '[1]', 'null', '0', '{}', '{"b":2}'], '{"a": 1, "b": 2}'],
  ];
  for (const [docs, want] of table) assert.equal(dumpJson(mergeConfigs(docs.map(j))), want, docs.join(' + '));
  assert.equal(dumpJson(deepMerge(new Map(), j('{"x": {"y": 1}}'))), '{"x": {"y": 1}}');
});

test('--key lookup and types', () => {
  const doc = j('{"a": {"b": [10, {"c": "deep"}, null]}, "z": null, "s": "str", "f": false}');
  const table: [string, PyValue | undefined][] = [
    ['a.b.0', 10n],
    ['a.b.1.c', 'deep'],
    ['a.b.-2.c', 'deep'],
    ['a.b. 1 .c', 'deep'],
    ['a.b.2', undefined],
    ['a.b.9', undefined],
    ['a.b.x', undefined],
    ['z', undefined],
    ['s.x', undefined],
    ['f', false],
    ['nope', undefined],
  ];
  for (const [key, want] of table) assert.deepEqual(extractKey(doc, key), want, key);
  assert.throws(() => subhash(doc as Map<string, PyValue>, 'a.b'), /does not correspond to a hash/);
  const types: [string, string, boolean][] = [
    ['abc_1', 'default', true],
    ['abc\n', 'default', true],
    ['a.b', 'default', false],
    ['10.0.0.1/24', 'netaddress', true],
    ['12', 'int', true],
    ['1.5', 'int', false],
    ['mysql://u:p@h/db?x=y', 'dsn', true],
    ['r1z1-10.0.0.1:%PORT%/sdb', 'swiftdevices', true],
    ['nova-api', 'username', true],
    ['', 'username', false],
    ['anything at all', 'raw', true],
  ];
  for (const [value, type, ok] of types) {
    if (ok) ensureType(value, type);
    else assert.throws(() => ensureType(value, type), /cannot interpret/, `${value} as ${type}`);
  }
});

test('.oac YAML scalars follow YAML 1.1', () => {
  const table: [string, PyValue][] = [
    ['0755', 493n],
    ['0o755', '0o755'],
    ['420', 420n],
    ['0x1ff', 511n],
    ['1_000', 1000n],
    ['1:30', 90n],
    ['yes', true],
    ['Off', false],
    ['~', null],
    ['1.5', 1.5],
    ['root', 'root'],
  ];
  for (const [s, want] of table) assert.deepEqual(loadPyYaml(s), want, s);
  assert.deepEqual(
    loadPyYaml('# c\nmode: 0600 # t\nowner: "root"\n'),
    new Map<string, PyValue>([
      ['mode', 384n],
      ['owner', 'root'],
    ]),
  );
  assert.deepEqual(
    loadPyYaml('{mode: 0640, allow_empty: no}'),
    new Map<string, PyValue>([
      ['mode', 416n],
      ['allow_empty', false],
    ]),
  );
  assert.equal(loadPyYaml('# only a comment\n'), null);
  assert.deepEqual(loadPyYaml('- a\n- 1\n'), ['a', 1n]);
});

test('deployments explode into outputs after their document', () => {
  const quiet = makeLogger(() => '', 'CRITICAL');
  const doc = j(
    '{"deployments": [{"name": "a", "group": "os-apply-config", "config": {"x": 1}}, {"name": "s", "group": "script", "config": "echo"}, {"name": "u", "config": {"y": 2}}, {"config": {}}], "other": [1]}',
  ) as Map<string, PyValue>;
  const out = explodeDeployments(doc, ['deployments', 'other', 'absent'], 'cfn', quiet);
  assert.deepEqual(
    out.map(([n, v]) => `${n}=${dumpJson(v)}`),
    [`cfn=${dumpJson(doc)}`, 'a={"x": 1}', 'u={"y": 2}'],
  );
});

test('CFN signature v2 equals keystoneclient Ec2Signer', () => {
  const params: Record<string, string> = {
    Action: 'DescribeStackResource',
    StackName: 'over cloud',
    LogicalResourceId: 'controller0',
    AWSAccessKeyId: 'AKID',
    SignatureVersion: '2',
  };
  assert.equal(
    signV2('sekrit/+=', params, 'GET', '192.0.2.1:8000', '/v1/'),
    'fNxmibhG9F18lRMPYWXYrig43+a+4gmjHshiI6Wkufc=',
  );
  assert.equal(params['SignatureMethod'], 'HmacSHA256');
  assert.equal(canonicalQuery({ b: 'x y/~', a: 'é' }), 'a=%C3%A9&b=x%20y%2F~');
  const xml = parseXml(
    '<?xml version="1.0"?><R><DescribeStackResourceResult><StackResourceDetail><Metadata>{"a": "&lt;b&gt; &amp;"}</Metadata><E/><C><![CDATA[<raw>]]></C></StackResourceDetail></DescribeStackResourceResult></R>',
  );
  const detail = xml.children[0]!.children[0]!;
  assert.equal(detail.children.find((c) => c.tag === 'Metadata')!.text, '{"a": "<b> &"}');
  assert.equal(detail.children.find((c) => c.tag === 'C')!.text, '<raw>');
});

test('HTTP dates and INI files', () => {
  assert.equal(parseHttpDate('Fri, 02 Jan 2026 03:04:05 GMT'), Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
  assert.throws(() => parseHttpDate('yesterday'), /does not match format/);
  const ini = parseIni(
    '[DEFAULT]\n# c\ncommand = os-refresh-config\ncollectors = ec2\ncollectors = cfn\n[cfn]\nmetadata-url: http://x/v1/\npath = a.Metadata\n  continued\n',
  );
  assert.deepEqual(ini.get('DEFAULT')?.get('collectors'), ['ec2', 'cfn']);
  assert.deepEqual(ini.get('cfn')?.get('metadata_url'), ['http://x/v1/']);
  assert.deepEqual(ini.get('cfn')?.get('path'), ['a.Metadata\ncontinued']);
});
