// POST /stacks/preview and POST /validate as heat-tempest-plugin reads them: a preview resolves properties
// against the parameters (defaults filled in, resources not made yet referred to by name) and shows a
// template resource or a ResourceGroup as the list of its own resources; validate echoes the environment as
// Heat does and, with show_nested, the parameters of nested templates with the values the parent passes.
// An output naming an undeclared parameter is no refusal: the output shows the error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = Record<string, any>;

describe('orchestration preview and validate views', () => {
  let seed: TestSeed;
  let token: string;
  let base: string;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, type: r.headers.get('content-type'), json: (await r.json()) as Json };
  };
  const NESTED = JSON.stringify({
    heat_template_version: '2015-04-30',
    description: 'the child',
    parameters: { value: { type: 'string' }, size: { type: 'number', default: 3 } },
    resources: { inner: { type: 'OS::Heat::TestResource', properties: { value: { get_param: 'value' } } } },
  });

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'orchestration'] });
    token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const info = await fetch(`${seed.authUrl}/auth/tokens`, {
      headers: { 'x-auth-token': token, 'x-subject-token': token },
    }).then((r) => r.json() as Promise<{ token: { project: { id: string } } }>);
    base = `${seed.urls.orchestration}/v1/${info.token.project.id}`;
  });
  after(async () => seed?.stop());

  test('preview: resolved properties, attribute names, nested lists', async () => {
    const r = await post('/stacks/preview', {
      stack_name: 'pv',
      template: {
        heat_template_version: '2015-04-30',
        parameters: { incoming: { type: 'string' }, pw: { type: 'string', hidden: true } },
        resources: {
          one: { type: 'OS::Heat::TestResource', properties: { value: 'fred' } },
          secret: { type: 'OS::Heat::Value', properties: { value: { get_param: 'pw' } } },
          two: { type: 'OS::Heat::Value', properties: { value: { get_resource: 'one' } } },
          main: { type: 'nested.yaml', properties: { value: { get_param: 'incoming' } } },
          rg: {
            type: 'OS::Heat::ResourceGroup',
            properties: {
              count: 2,
              resource_def: { type: 'OS::Heat::Value', properties: { value: 'm-%index%' } },
            },
          },
        },
      },
      files: { 'nested.yaml': NESTED },
      parameters: { incoming: 'abc', pw: 'very-secret-pw' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.type, 'application/json', 'no charset, as Heat');
    const s = r.json.stack;
    assert.equal(s.id, 'None');
    assert.equal(s.template_description, 'No description');
    assert.equal(s.parameters.incoming, 'abc');
    const byName = Object.fromEntries(
      (s.resources as Json[]).filter((x) => !Array.isArray(x)).map((x) => [x.resource_name, x]),
    );
    assert.equal(byName.one.properties.value, 'fred');
    assert.equal(byName.secret.properties.value, '******', 'a hidden parameter stays hidden');
    assert.ok(!JSON.stringify(r.json).includes('very-secret-pw'));
    assert.equal(byName.one.properties.wait_secs, 0, 'defaults filled in');
    assert.equal(byName.one.physical_resource_id, '');
    assert.equal(byName.one.creation_time, null);
    assert.ok('output' in byName.one.attributes);
    assert.deepEqual(byName.one.required_by, ['two']);
    assert.equal(byName.two.properties.value, 'one', 'a resource not made yet is referred to by name');
    assert.deepEqual(byName.one.stack_identity, {
      stack_name: 'pv',
      stack_id: 'None',
      tenant: base.split('/').pop(),
      path: '',
    });
    const lists = (s.resources as Json[]).filter((x) => Array.isArray(x)) as Json[][];
    const nested = lists.find((l) => l[0]?.parent_resource === 'main');
    assert.equal(nested?.[0]?.resource_name, 'inner');
    assert.equal(nested?.[0]?.stack_name, 'pv-main');
    assert.equal(nested?.[0]?.properties.value, 'abc');
    const group = lists.find((l) => l[0]?.parent_resource === 'rg');
    assert.deepEqual(
      group?.map((m) => [m.resource_name, m.properties.value]),
      [
        ['0', 'm-0'],
        ['1', 'm-1'],
      ],
    );
  });

  test('validate: the environment as Heat echoes it, NestedParameters with Value', async () => {
    const template = {
      heat_template_version: '2014-10-16',
      description: 'the parent',
      parameters: { p: { type: 'number', default: 5 } },
      resources: { nres: { type: 'nested.yaml', properties: { value: 'v', size: { get_param: 'p' } } } },
    };
    const plain = await post('/validate', {
      template,
      files: { 'nested.yaml': NESTED },
      environment: { parameters: { p: 7 }, resource_registry: { 'OS::X': 'OS::Heat::None' } },
    });
    assert.equal(plain.status, 200, JSON.stringify(plain.json));
    assert.deepEqual(plain.json.Environment, {
      parameters: { p: 7 },
      parameter_defaults: {},
      event_sinks: [],
      resource_registry: { 'OS::X': 'OS::Heat::None', 'nested.yaml': 'nested.yaml', resources: {} },
    });
    assert.equal(plain.json.Parameters.p.Value, 7);
    assert.equal(plain.json.NestedParameters, undefined);
    const shown = await post('/validate?show_nested=True', { template, files: { 'nested.yaml': NESTED } });
    assert.deepEqual(shown.json.NestedParameters.nres.Type, 'nested.yaml');
    assert.equal(shown.json.NestedParameters.nres.Description, 'the child');
    assert.equal(shown.json.NestedParameters.nres.Parameters.value.Value, 'v');
    assert.equal(shown.json.NestedParameters.nres.Parameters.size.Value, 5);
    assert.equal(shown.json.Parameters.p.Value, undefined, 'no value given for the parent parameter');
  });

  test('validate: an attribute the type lacks is refused; groups, nested stacks and None take any', async () => {
    const t = (resource: Json, attr: string) => ({
      heat_template_version: '2018-08-31',
      resources: { r: resource },
      outputs: { o: { value: { get_attr: ['r', attr] } } },
    });
    const value = { type: 'OS::Heat::Value', properties: { value: 1 } };
    const bad = await post('/validate', { template: t(value, 'nosuch') });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.type, 'InvalidTemplateAttribute');
    assert.equal(
      bad.json.error.message,
      'outputs.o.value.get_attr: The Referenced Attribute (r nosuch) is incorrect.',
    );
    for (const [resource, attr] of [
      [value, 'value'],
      [value, 'show'],
      [{ type: 'OS::Heat::None' }, 'anything'],
      [
        {
          type: 'OS::Heat::ResourceGroup',
          properties: { count: 1, resource_def: { type: 'OS::Heat::Value', properties: { value: 1 } } },
        },
        'value',
      ],
      [{ type: 'nested.yaml' }, 'some_output'],
    ] as const) {
      const r = await post('/validate', { template: t(resource, attr), files: { 'nested.yaml': NESTED } });
      assert.equal(r.status, 200, `${JSON.stringify(resource)} ${attr}: ${JSON.stringify(r.json)}`);
    }
  });

  test('an output naming an undeclared parameter is an output error, not a refusal', async () => {
    const r = await post('/stacks', {
      stack_name: 'oe',
      template: {
        heat_template_version: '2018-08-31',
        resources: { a: { type: 'OS::Heat::None' } },
        outputs: { bad: { value: { get_param: 'foo' } } },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    let out: Json | undefined;
    for (let i = 0; i < 200 && !out; i++) {
      const s = await fetch(`${base}/stacks/oe`, { headers: { 'x-auth-token': token } }).then(
        (x) => x.json() as Promise<Json>,
      );
      if (s.stack.stack_status === 'CREATE_COMPLETE') out = s.stack.outputs[0];
      else await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(out?.output_value, null);
    assert.match(String(out?.output_error), /The Parameter \(foo\) was not provided/);
  });
});
