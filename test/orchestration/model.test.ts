// Table tests of the pure template model: parsing, versions, functions per version, parameters,
// environments and the graph.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildEnvironment,
  emptyEnvironment,
  mergeEnvironment,
  resolveType,
} from '../../src/orchestration/model/environment.ts';
import { TemplateError } from '../../src/orchestration/model/errors.ts';
import type { ResolveEnv } from '../../src/orchestration/model/functions/call.ts';
import { evaluateCondition, resolveValue } from '../../src/orchestration/model/functions/resolve.ts';
import { checkAcyclic } from '../../src/orchestration/model/graph.ts';
import { parseParamSchemas } from '../../src/orchestration/model/parameters/parse.ts';
import { resolveParameters } from '../../src/orchestration/model/parameters/resolve.ts';
import { parseTemplate } from '../../src/orchestration/model/template.ts';
import { type Json, type JsonMap, parseTemplateText } from '../../src/orchestration/model/template-format.ts';
import { findVersion, type TemplateVersion, VERSIONS } from '../../src/orchestration/model/versions.ts';

function version(date: string): TemplateVersion {
  const v = VERSIONS.find((x) => x.date === date || x.aliases.includes(date));
  if (!v) throw new Error(date);
  return v;
}

function env(date: string, over: Partial<ResolveEnv> = {}): ResolveEnv {
  const params: JsonMap = { name: 'web', list: ['a', 'b'], map: { k: { deep: 1 } }, n: 3 };
  return {
    version: version(date),
    isParam: (n) => n in params || n === 'AWS::StackName',
    param: (n) => (n === 'AWS::StackName' ? 'st' : (params[n] as Json)),
    isResource: (n) => n === 'server' || n === 'port',
    ref: (n) => `${n}-id`,
    attr: (n, a): Json =>
      a === undefined
        ? { first: `${n}-first`, nets: { ctl: ['10.0.0.5'] } }
        : a === 'nets'
          ? { ctl: ['10.0.0.5'] }
          : `${n}.${a}`,
    file: (u) => `content of ${u}`,
    condition: (n) => n === 'prod',
    facade: (k) => `facade ${k}`,
    mapping: (m, k, s) => `${m}/${k}/${s}`,
    ...over,
  };
}

const throwsMsg = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof TemplateError && re.test(e.message), String(re));

describe('template text', () => {
  test('YAML keeps dates as strings and names the line of an error', () => {
    assert.deepEqual(parseTemplateText('heat_template_version: 2018-08-31\n'), {
      heat_template_version: '2018-08-31',
    });
    throwsMsg(() => parseTemplateText('a: 1\nb: [1,\n  c: d: e\n'), /at line 3/);
    throwsMsg(() => parseTemplateText('- 1\n- 2\n'), /not a JSON object/);
    assert.deepEqual(parseTemplateText('{"x": {"y": [1]}}'), { x: { y: [1] } });
  });
});

describe('versions', () => {
  const cases: [JsonMap, string | RegExp][] = [
    [{ heat_template_version: '2013-05-23' }, '2013-05-23'],
    [{ heat_template_version: 'newton' }, '2016-10-14'],
    [{ heat_template_version: 'wallaby' }, '2021-04-16'],
    [{ heat_template_version: 'queens' }, '2018-03-02'],
    [{ HeatTemplateFormatVersion: '2012-12-12' }, '2012-12-12'],
    [{ AWSTemplateFormatVersion: '2010-09-09' }, '2010-09-09'],
    [{ heat_template_version: '2019-01-01' }, /should be one of/],
    [{}, /not found/],
  ];
  for (const [t, want] of cases) {
    test(JSON.stringify(t), () => {
      const v = findVersion(t);
      if (typeof want === 'string') assert.equal(typeof v === 'string' ? v : v.date, want);
      else assert.match(v as string, want);
    });
  }
  test('each row adds to the last: functions by version', () => {
    const has = (d: string, f: string) => version(d).functions.has(f);
    const table: [string, string, boolean][] = [
      ['2013-05-23', 'Fn::Join', true],
      ['2014-10-16', 'Fn::Join', false],
      ['2014-10-16', 'Fn::Select', true],
      ['2015-04-30', 'repeat', true],
      ['2014-10-16', 'repeat', false],
      ['2015-10-15', 'Fn::Select', false],
      ['2015-10-15', 'str_split', true],
      ['2016-04-08', 'map_merge', true],
      ['2016-04-08', 'if', false],
      ['2016-10-14', 'if', true],
      ['2016-10-14', 'filter', false],
      ['2017-02-24', 'str_replace_strict', true],
      ['2017-02-24', 'make_url', false],
      ['2017-09-01', 'list_concat_unique', true],
      ['2021-04-16', 'contains', true],
    ];
    for (const [d, f, want] of table) assert.equal(has(d, f), want, `${d} ${f}`);
    assert.equal(version('2016-10-14').conditionFunctions.has('contains'), false);
    assert.equal(version('2017-09-01').conditionFunctions.has('contains'), true);
  });
});

describe('intrinsic functions', () => {
  const cases: [string, string, Json, Json | RegExp][] = [
    ['2013-05-23', 'get_param', { get_param: 'name' }, 'web'],
    ['2013-05-23', 'get_param path', { get_param: ['map', 'k', 'deep'] }, 1],
    ['2013-05-23', 'get_param list index', { get_param: ['list', 1] }, 'b'],
    ['2013-05-23', 'Ref param', { Ref: 'name' }, 'web'],
    ['2013-05-23', 'Ref resource', { Ref: 'server' }, 'server-id'],
    ['2013-05-23', 'Fn::Join', { 'Fn::Join': ['-', ['a', { get_param: 'name' }]] }, 'a-web'],
    ['2013-05-23', 'Fn::Select', { 'Fn::Select': [1, ['x', 'y']] }, 'y'],
    ['2013-05-23', 'Fn::Replace', { 'Fn::Replace': [{ $x: 'X' }, 'a$x'] }, 'aX'],
    [
      '2014-10-16',
      'Fn::Join removed',
      { 'Fn::Join': ['-', ['a']] },
      /not supported in heat_template_version 2014-10-16/,
    ],
    ['2014-10-16', 'Fn::Select kept', { 'Fn::Select': [0, ['x']] }, 'x'],
    ['2015-10-15', 'Fn::Select removed', { 'Fn::Select': [0, ['x']] }, /not supported/],
    ['2013-05-23', 'get_resource', { get_resource: 'server' }, 'server-id'],
    ['2013-05-23', 'get_resource unknown', { get_resource: 'nope' }, /reference "nope"/],
    ['2013-05-23', 'get_attr', { get_attr: ['server', 'name'] }, 'server.name'],
    ['2013-05-23', 'get_attr path', { get_attr: ['server', 'nets', 'ctl', 0] }, '10.0.0.5'],
    [
      '2014-10-16',
      'get_attr all refused before 2015-10-15',
      { get_attr: ['server'] },
      /must name an attribute/,
    ],
    [
      '2015-10-15',
      'get_attr all',
      { get_attr: ['server'] },
      { first: 'server-first', nets: { ctl: ['10.0.0.5'] } },
    ],
    ['2013-05-23', 'get_file', { get_file: 'file:///a' }, 'content of file:///a'],
    ['2013-05-23', 'list_join', { list_join: [',', ['a', 'b']] }, 'a,b'],
    ['2013-05-23', 'list_join many refused', { list_join: [',', ['a'], ['b']] }, /one list/],
    ['2015-10-15', 'list_join many', { list_join: [',', ['a'], ['b', 'c']] }, 'a,b,c'],
    [
      '2013-05-23',
      'str_replace',
      { str_replace: { template: 'x $a $ab', params: { $a: 1, $ab: 'Z' } } },
      'x 1 Z',
    ],
    [
      '2014-10-16',
      'str_replace map refused',
      { str_replace: { template: '$a', params: { $a: [1] } } },
      /must be strings/,
    ],
    ['2015-10-15', 'str_replace json', { str_replace: { template: '$a', params: { $a: [1] } } }, '[1]'],
    [
      '2017-02-24',
      'str_replace_strict',
      { str_replace_strict: { template: 'a', params: { $b: 1 } } },
      /not found in the template: '\$b'/,
    ],
    [
      '2016-10-14',
      'str_replace_strict too new',
      { str_replace_strict: { template: 'a', params: {} } },
      /needs heat_template_version 2017-02-24/,
    ],
    [
      '2017-09-01',
      'str_replace_vstrict empty',
      { str_replace_vstrict: { template: '$b', params: { $b: '' } } },
      /empty/,
    ],
    [
      '2015-04-30',
      'digest',
      { digest: ['sha256', 'abc'] },
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ],
    ['2015-04-30', 'digest bad alg', { digest: ['crc', 'abc'] }, /Algorithm/],
    [
      '2015-04-30',
      'repeat',
      { repeat: { for_each: { '%x%': ['a', 'b'] }, template: { n: 'p-%x%' } } },
      [{ n: 'p-a' }, { n: 'p-b' }],
    ],
    [
      '2015-04-30',
      'repeat product',
      { repeat: { for_each: { X: ['1', '2'], Y: ['a'] }, template: 'XY' } },
      ['1a', '2a'],
    ],
    [
      '2016-10-14',
      'repeat over map keys',
      { repeat: { for_each: { X: { k1: 1, k2: 2 } }, template: 'X' } },
      ['k1', 'k2'],
    ],
    [
      '2017-09-01',
      'repeat pairwise',
      { repeat: { for_each: { X: ['1', '2'], Y: ['a', 'b'] }, template: 'XY', permutations: false } },
      ['1a', '2b'],
    ],
    ['2015-10-15', 'str_split', { str_split: [',', 'a,b,c'] }, ['a', 'b', 'c']],
    ['2015-10-15', 'str_split index', { str_split: [',', 'a,b,c', 2] }, 'c'],
    [
      '2015-04-30',
      'str_split too early',
      { str_split: [',', 'a'] },
      /needs heat_template_version 2015-10-15/,
    ],
    ['2016-04-08', 'map_merge', { map_merge: [{ a: 1, b: 1 }, { b: 2 }] }, { a: 1, b: 2 }],
    [
      '2016-10-14',
      'map_replace',
      {
        map_replace: [
          { k: 'v', x: 'y' },
          { keys: { k: 'K' }, values: { y: 'Y' } },
        ],
      },
      { K: 'v', x: 'Y' },
    ],
    ['2016-10-14', 'if true', { if: ['prod', 'big', 'small'] }, 'big'],
    ['2016-10-14', 'if expression', { if: [{ equals: [{ get_param: 'n' }, 3] }, 'three', 'other'] }, 'three'],
    ['2016-10-14', 'if needs 3 args', { if: ['prod', 'a'] }, /must be/],
    [
      '2021-04-16',
      'if two args removes the item',
      { a: { if: ['dev', 1] }, b: [1, { if: ['dev', 2] }] },
      { b: [1] },
    ],
    ['2016-10-14', 'yaql refused', { yaql: { expression: '1', data: {} } }, /no YAQL interpreter/],
    [
      '2017-02-24',
      'filter',
      {
        filter: [
          [null, 'x'],
          ['a', null, 'x', 'b'],
        ],
      },
      ['a', 'b'],
    ],
    [
      '2017-09-01',
      'make_url',
      { make_url: { scheme: 'http', host: '::1', port: 80, path: 'v1', query: { a: 'b c' }, fragment: 'f' } },
      'http://[::1]:80/v1?a=b%20c#f',
    ],
    ['2017-09-01', 'list_concat', { list_concat: [[1], [2, 1]] }, [1, 2, 1]],
    ['2017-09-01', 'list_concat_unique', { list_concat_unique: [[1], [2, 1]] }, [1, 2]],
    ['2017-09-01', 'contains', { contains: ['a', ['a', 'b']] }, true],
    ['2013-05-23', 'resource_facade', { resource_facade: 'metadata' }, 'facade metadata'],
    ['2013-05-23', 'map that is not a function', { a: 1, b: { get_param: 'name' } }, { a: 1, b: 'web' }],
    ['2012-12-12', 'CFN Fn::FindInMap', { 'Fn::FindInMap': ['m', 'k', 's'] }, 'm/k/s'],
    ['2012-12-12', 'CFN Fn::GetAtt', { 'Fn::GetAtt': ['server', 'name'] }, 'server.name'],
    ['2012-12-12', 'CFN Fn::Base64', { 'Fn::Base64': 'x' }, 'x'],
    ['2012-12-12', 'CFN pseudo', { Ref: 'AWS::StackName' }, 'st'],
    ['2012-12-12', 'CFN refuses HOT functions', { get_param: 'name' }, /CFN templates allow only/],
  ];
  for (const [d, name, input, want] of cases) {
    test(`${d} ${name}`, () => {
      if (want instanceof RegExp) throwsMsg(() => resolveValue(input, env(d), ['x']), want);
      else assert.deepEqual(resolveValue(input, env(d)), want);
    });
  }
  test('conditions', () => {
    const e = env('2017-09-01');
    assert.equal(evaluateCondition({ and: ['prod', { not: 'dev' }] }, e, []), true);
    assert.equal(evaluateCondition({ or: ['dev', { equals: [{ get_param: 'name' }, 'db'] }] }, e, []), false);
    assert.equal(evaluateCondition({ contains: ['a', { get_param: 'list' }] }, e, []), true);
    throwsMsg(
      () => evaluateCondition({ contains: ['a', ['a']] }, env('2016-10-14'), ['conditions', 'c']),
      /conditions\.c: The function "contains"/,
    );
  });
});

describe('template validation', () => {
  const base = (over: JsonMap): JsonMap => ({ heat_template_version: '2018-08-31', ...over });
  const cases: [string, JsonMap, RegExp | null][] = [
    [
      'fine',
      base({ resources: { a: { type: 'OS::Heat::None', depends_on: 'b' }, b: { type: 'OS::Heat::None' } } }),
      null,
    ],
    ['unknown section', base({ resource: {} }), /The template section is invalid: resource/],
    [
      'bad resource key',
      base({ resources: { a: { type: 'X', propertys: {} } } }),
      /resources\.a\.propertys: "propertys" is not a valid keyword/,
    ],
    [
      'missing type',
      base({ resources: { a: { properties: {} } } }),
      /resources\.a\.type: Resource a is missing "type"/,
    ],
    [
      'unknown reference',
      base({ resources: { a: { type: 'X', properties: { p: { get_resource: 'zz' } } } } }),
      /reference "zz"/,
    ],
    ['unknown depends_on', base({ resources: { a: { type: 'X', depends_on: ['zz'] } } }), /depends_on of a/],
    [
      'unknown param',
      base({ resources: { a: { type: 'X', properties: { p: { get_param: 'zz' } } } } }),
      /^Property error: : resources\.a\.properties\.p: : The Parameter \(zz\) was not provided\.$/,
    ],
    [
      'external_id (adopting) is refused',
      base({ resources: { a: { type: 'X', external_id: 'abc' } } }),
      /^resources\.a\.external_id: external_id is not supported/,
    ],
    [
      'unknown param in metadata',
      base({ resources: { a: { type: 'X', metadata: { m: { get_param: 'zz' } } } } }),
      /^resources\.a\.metadata\.m: The Parameter \(zz\) was not provided\.$/,
    ],
    [
      'cycle with its path',
      base({
        resources: {
          a: { type: 'X', depends_on: 'b' },
          b: { type: 'X', properties: { x: { get_attr: ['c', 'y'] } } },
          c: { type: 'X', properties: { r: { get_resource: 'a' } } },
        },
      }),
      /Circular Dependency Found: a -> b -> c -> a/,
    ],
    [
      'function too new, path named',
      {
        heat_template_version: '2015-04-30',
        resources: { a: { type: 'X', properties: { list: [1, { str_split: [',', 'a'] }] } } },
      },
      /resources\.a\.properties\.list\[1\]: The function "str_split" is not supported in heat_template_version 2015-04-30/,
    ],
    [
      'conditions before 2016-10-14',
      { heat_template_version: '2016-04-08', conditions: {} },
      /section is invalid: conditions/,
    ],
    [
      'lower-case policy before 2016-10-14',
      { heat_template_version: '2015-10-15', resources: { a: { type: 'X', deletion_policy: 'retain' } } },
      /Invalid deletion policy/,
    ],
    [
      'lower-case policy from 2016-10-14',
      base({ resources: { a: { type: 'X', deletion_policy: 'retain' } } }),
      null,
    ],
    [
      'output without value',
      base({ outputs: { o: { description: 'x' } } }),
      /outputs\.o: Output o has no "value"/,
    ],
    [
      'parameter default breaks constraint',
      base({
        parameters: { p: { type: 'string', default: 'toolong', constraints: [{ length: { max: 3 } }] } },
      }),
      /parameters\.p\.default: Parameter 'p' is invalid: length must be no greater than 3/,
    ],
    [
      'parameter group unknown',
      base({ parameters: { p: { type: 'string' } }, parameter_groups: [{ parameters: ['q'] }] }),
      /grouped parameter q/,
    ],
    [
      'CFN',
      {
        HeatTemplateFormatVersion: '2012-12-12',
        Parameters: { P: { Type: 'String' } },
        Resources: { R: { Type: 'OS::Heat::None', Properties: { a: { Ref: 'P' } } } },
        Outputs: { O: { Value: { 'Fn::GetAtt': ['R', 'x'] } } },
      },
      null,
    ],
  ];
  for (const [name, t, want] of cases) {
    test(name, () => {
      if (want) throwsMsg(() => parseTemplate(t), want);
      else assert.ok(parseTemplate(t));
    });
  }
  test('dependencies are depends_on plus references', () => {
    const t = parseTemplate(
      base({
        resources: {
          a: { type: 'X', properties: { x: { get_attr: ['b', 'v'] } }, depends_on: 'c' },
          b: { type: 'X' },
          c: { type: 'X' },
        },
      }),
    );
    assert.deepEqual([...(t.deps.get('a') ?? [])].sort(), ['b', 'c']);
  });
});

describe('parameters', () => {
  const v = version('2017-02-24');
  const schemas = parseParamSchemas(
    {
      name: {
        type: 'string',
        constraints: [
          { length: { min: 2, max: 5 } },
          { allowed_pattern: '[a-z]+', description: 'lower case only' },
        ],
      },
      count: {
        type: 'number',
        default: 2,
        constraints: [{ range: { min: 1, max: 10 } }, { modulo: { step: 2, offset: 0 } }],
      },
      flag: { type: 'boolean', default: 'yes' },
      nets: { type: 'comma_delimited_list', default: 'a, b' },
      data: { type: 'json', default: '{"k": 1}' },
      size: { type: 'string', default: 'm', constraints: [{ allowed_values: ['s', 'm'] }] },
      image: { type: 'string', default: 'cirros', constraints: [{ custom_constraint: 'glance.image' }] },
    },
    v,
    ['parameters'],
  );
  const table: [string, JsonMap, JsonMap, RegExp | JsonMap][] = [
    [
      'defaults and coercion',
      { name: 'web' },
      {},
      { name: 'web', count: 2, flag: true, nets: ['a', 'b'], data: { k: 1 }, size: 'm', image: 'cirros' },
    ],
    [
      'parameter_defaults rank below the user',
      { name: 'web' },
      { name: 'db', count: 4 },
      { name: 'web', count: 4 },
    ],
    ['missing', {}, {}, /The Parameter \(name\) was not provided/],
    ['too long', { name: 'abcdef' }, {}, /Parameter 'name' is invalid: length must be no greater than 5/],
    ['pattern with description', { name: 'AB' }, {}, /Parameter 'name' is invalid: lower case only/],
    ['range', { name: 'ab', count: 12 }, {}, /12 is out of range/],
    ['modulo', { name: 'ab', count: 3 }, {}, /not a multiple of 2/],
    ['not a number', { name: 'ab', count: 'x' }, {}, /is not an integer or a float/],
    ['allowed_values', { name: 'ab', size: 'xl' }, {}, /"xl" is not an allowed value \[s, m\]/],
    ['unknown parameter', { name: 'ab', other: 1 }, {}, /The Parameter \(other\) was not defined/],
  ];
  for (const [name, given, defaults, want] of table) {
    test(name, () => {
      if (want instanceof RegExp) throwsMsg(() => resolveParameters(schemas, given, defaults), want);
      else {
        const r = resolveParameters(schemas, given, defaults);
        for (const [k, x] of Object.entries(want)) assert.deepEqual(r.values[k], x, k);
        assert.deepEqual(r.customChecks, [{ param: 'image', constraint: 'glance.image', value: 'cirros' }]);
      }
    });
  }
});

describe('environments', () => {
  test('files merge in order; strategies; user parameters win', () => {
    const files: Record<string, string> = {
      'file:///e1.yaml': JSON.stringify({
        parameters: { a: '1', l: ['x'] },
        parameter_defaults: { d: 1 },
        resource_registry: { 'OS::A': 'OS::Heat::None', resources: { r1: { 'OS::B': 'file:///b.yaml' } } },
      }),
      'file:///e2.yaml': JSON.stringify({
        parameters: { a: '2', l: ['y'] },
        parameter_merge_strategies: { l: 'merge' },
        resource_registry: { 'OS::Net*': 'OS::Neutron*' },
      }),
    };
    const e = buildEnvironment({
      parameters: { u: 'user', a: 'cli' },
      environment: { parameters: { ignored: true } },
      environment_files: ['file:///e1.yaml', 'file:///e2.yaml'],
      files,
      parseFile: (t, n) => parseTemplateText(t, n),
    });
    assert.deepEqual(e.parameters, { a: 'cli', l: ['x', 'y'], u: 'user' });
    assert.deepEqual(e.parameter_defaults, { d: 1 });
    assert.deepEqual(resolveType(e.resource_registry, 'x', 'OS::A'), {
      kind: 'builtin',
      type: 'OS::Heat::None',
    });
    assert.deepEqual(resolveType(e.resource_registry, 'x', 'OS::Net::Port'), {
      kind: 'builtin',
      type: 'OS::Neutron::Port',
    });
    assert.deepEqual(resolveType(e.resource_registry, 'r1', 'OS::B'), {
      kind: 'template',
      url: 'file:///b.yaml',
      type: 'OS::B',
    });
    assert.deepEqual(resolveType(e.resource_registry, 'r2', 'OS::B'), { kind: 'builtin', type: 'OS::B' });
  });
  test('unknown section and alias loops are errors', () => {
    throwsMsg(
      () => mergeEnvironment(emptyEnvironment(), { resource_registri: {} }, 'e.yaml'),
      /unknown section "resource_registri"/,
    );
    throwsMsg(
      () => resolveType({ A: 'B', B: 'A' }, 'x', 'A'),
      /Circular resource_registry mapping: A -> B -> A/,
    );
  });
});

describe('graph', () => {
  test('a cycle is reported with its path', () => {
    throwsMsg(() => checkAcyclic(new Map([['x', new Set(['x'])]])), /x -> x/);
    checkAcyclic(
      new Map([
        ['a', new Set(['b'])],
        ['b', new Set()],
      ]),
    );
  });
});
