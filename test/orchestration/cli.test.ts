// Compatibility: the real `openstack stack|orchestration|software` commands (python3-heatclient 3.1)
// against a seed running identity and orchestration.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const skip = cliUnavailable();

const MAIN = `heat_template_version: 2018-08-31
description: CLI test stack
parameters:
  greeting:
    type: string
    constraints:
      - length: {min: 2, max: 20}
  count: {type: number, default: 2}
  size:
    type: string
    default: small
    constraints:
      - allowed_values: [small, large]
resources:
  password:
    type: OS::Heat::RandomString
    properties: {length: 10}
  script:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: {get_file: files/hello.sh}
  child:
    type: My::Child
    properties: {greeting: {get_param: greeting}}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: child.yaml
        properties: {greeting: member-%index%}
outputs:
  said: {value: {get_attr: [child, said]}}
  members: {value: {get_attr: [group, said]}}
  script: {value: {get_attr: [script, config]}}
  size: {value: {get_param: size}}
`;

const CHILD = `heat_template_version: 2016-10-14
parameters:
  greeting: {type: string}
resources:
  inner:
    type: OS::Heat::Value
    properties: {value: {str_replace: {template: "say $g", params: {$g: {get_param: greeting}}}}}
outputs:
  said: {value: {get_attr: [inner, value]}}
`;

const ENV = `resource_registry:
  My::Child: child.yaml
parameter_defaults:
  count: 3
`;

describe('openstack stack / orchestration / software config CLI', { skip }, () => {
  let seed: TestSeed;
  let dir: string;
  const os = (args: string[]) => openstack(seed.cliEnv, args, { timeoutMs: 120_000 });
  const ok = async (args: string[]) => {
    const r = await os(args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  /** `--wait` prints the event log before the JSON document. */
  const jsonAfterEvents = <T>(stdout: string): T => JSON.parse(stdout.slice(stdout.search(/^[{[]/m))) as T;
  const fails = async (args: string[], re: RegExp) => {
    const r = await os(args);
    assert.notEqual(r.code, 0, `expected failure: openstack ${args.join(' ')}\n${r.stdout}`);
    assert.match(r.stderr, re);
  };
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'orchestration'] });
    dir = mkdtempSync(join(tmpdir(), 'ooo-heat-cli-'));
    mkdirSync(join(dir, 'files'));
    file('files/hello.sh', '#!/bin/sh\necho hello\n');
    file('child.yaml', CHILD);
  });
  after(async () => {
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('create with -t -e --parameter --wait, outputs, nested resources, events, update, check, delete', async () => {
    const main = file('main.yaml', MAIN);
    const env = file('env.yaml', ENV);
    const created = await ok([
      'stack',
      'create',
      '-t',
      main,
      '-e',
      env,
      '--parameter',
      'greeting=hi',
      '--wait',
      '-f',
      'json',
      'st1',
    ]);
    assert.equal(jsonAfterEvents<{ stack_status: string }>(created.stdout).stack_status, 'CREATE_COMPLETE');
    assert.match(created.stdout, /\[st1\]: CREATE_COMPLETE {2}Stack CREATE completed successfully/);

    const outputs = (await ok(['stack', 'output', 'show', '--all', '-f', 'json', 'st1'])).json<
      Record<string, { output_value: unknown }>
    >();
    const out = Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, (typeof v === 'string' ? JSON.parse(v) : v).output_value]),
    );
    assert.deepEqual(out, {
      said: 'say hi',
      members: ['say member-0', 'say member-1', 'say member-2'], // count 3 from parameter_defaults
      script: '#!/bin/sh\necho hello\n',
      size: 'small',
    });

    type Res = { resource_name: string; resource_type: string; resource_status: string; stack_name: string };
    const top = (await ok(['stack', 'resource', 'list', '-f', 'json', 'st1'])).json<Res[]>();
    assert.deepEqual(top.map((r) => r.resource_name).sort(), ['child', 'group', 'password', 'script']);
    const deep = (await ok(['stack', 'resource', 'list', '--nested-depth', '2', '-f', 'json', 'st1'])).json<
      Res[]
    >();
    // 4 top + child's inner + 3 members + each member's inner.
    assert.equal(deep.length, 4 + 1 + 3 + 3);
    assert.ok(deep.every((r) => r.resource_status === 'CREATE_COMPLETE'));
    assert.equal(deep.filter((r) => r.resource_name === 'inner').length, 4);

    const shown = (await ok(['stack', 'resource', 'show', '-f', 'json', 'st1', 'password'])).json<{
      attributes: { value: string };
    }>();
    assert.equal(shown.attributes.value.length, 10);

    const events = (await ok(['stack', 'event', 'list', '-f', 'json', 'st1'])).json<
      { resource_name: string; resource_status: string }[]
    >();
    assert.deepEqual(events.at(-1), {
      ...events.at(-1),
      resource_name: 'st1',
      resource_status: 'CREATE_COMPLETE',
    });
    assert.ok(
      events.some((e) => e.resource_name === 'password' && e.resource_status === 'CREATE_IN_PROGRESS'),
    );

    // --dry-run: size changes only an output; count 2 removes one member (an update of the group).
    const raw = (
      await ok(['stack', 'update', '--dry-run', '--existing', '--parameter', 'count=2', '-f', 'json', 'st1'])
    ).json<Record<string, string>>();
    // The client prints each change list as JSON text.
    const preview = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as { resource_name: string }[]]),
    );
    assert.deepEqual(
      preview.updated?.map((r) => r.resource_name),
      ['group'],
    );
    assert.deepEqual(preview.unchanged?.map((r) => r.resource_name).sort(), ['child', 'password', 'script']);

    const updated = await ok([
      'stack',
      'update',
      '--existing',
      '--parameter',
      'count=2',
      '--parameter',
      'size=large',
      '--wait',
      '-f',
      'json',
      'st1',
    ]);
    assert.equal(jsonAfterEvents<{ stack_status: string }>(updated.stdout).stack_status, 'UPDATE_COMPLETE');
    const out2 = (await ok(['stack', 'output', 'show', '-f', 'json', 'st1', 'members'])).json<{
      output_value: unknown;
    }>();
    assert.deepEqual(out2.output_value, ['say member-0', 'say member-1']);
    const size = (await ok(['stack', 'output', 'show', '-f', 'json', 'st1', 'size'])).json<{
      output_value: unknown;
    }>();
    assert.equal(size.output_value, 'large');
    const params = (await ok(['stack', 'show', '-f', 'json', 'st1'])).json<{
      parameters: Record<string, string>;
    }>().parameters;
    assert.equal(params.greeting, 'hi', '--existing keeps the parameters it was not given');

    const checked = await ok(['stack', 'check', '--wait', '-f', 'json', 'st1']);
    assert.equal(
      jsonAfterEvents<{ 'Stack Status': string }[]>(checked.stdout)[0]?.['Stack Status'],
      'CHECK_COMPLETE',
    );

    await ok(['stack', 'delete', '--wait', '-y', 'st1']);
    const list = (await ok(['stack', 'list', '-f', 'json'])).json<unknown[]>();
    assert.deepEqual(list, []);
  });

  test('template validate, resource types, template versions and functions', async () => {
    const main = file('main2.yaml', MAIN);
    const env = file('env2.yaml', ENV);
    const v = (
      await ok(['orchestration', 'template', 'validate', '-t', main, '-e', env, '-f', 'json'])
    ).json<{ Description: string; Parameters: Record<string, { Type: string }> }>();
    assert.equal(v.Description, 'CLI test stack');
    assert.equal(v.Parameters.count?.Type, 'Number');
    const types = (await ok(['orchestration', 'resource', 'type', 'list', '-f', 'json']))
      .json<{ 'Resource Type': string }[]>()
      .map((t) => t['Resource Type']);
    assert.ok(types.includes('OS::Heat::RandomString') && types.includes('OS::Heat::ResourceGroup'));
    const rs = (
      await ok(['orchestration', 'resource', 'type', 'show', '-f', 'json', 'OS::Heat::RandomString'])
    ).json<{ properties: Record<string, { update_allowed: boolean }> }>();
    assert.equal(rs.properties.length?.update_allowed, false);
    const versions = (await ok(['orchestration', 'template', 'version', 'list', '-f', 'json'])).json<
      { Version: string; Type: string }[]
    >();
    assert.ok(versions.some((x) => x.Version === 'heat_template_version.2021-04-16' && x.Type === 'hot'));
    assert.ok(versions.some((x) => x.Version === 'HeatTemplateFormatVersion.2012-12-12' && x.Type === 'cfn'));
    const fns = (
      await ok([
        'orchestration',
        'template',
        'function',
        'list',
        '-f',
        'json',
        'heat_template_version.2015-04-30',
      ])
    )
      .json<{ Functions: string }[]>()
      .map((f) => f.Functions);
    assert.ok(fns.includes('repeat') && !fns.includes('str_split'));
  });

  test('software config create and show', async () => {
    const cfg = file('cfg.sh', '#!/bin/sh\necho configured\n');
    const c = (
      await ok([
        'software',
        'config',
        'create',
        '--config-file',
        cfg,
        '--group',
        'script',
        '-f',
        'json',
        'cfg1',
      ])
    ).json<{ id: string; config: string }>();
    assert.equal(c.config, '#!/bin/sh\necho configured\n');
    const shown = (await ok(['software', 'config', 'show', '-f', 'json', c.id])).json<{
      name: string;
      group: string;
    }>();
    assert.deepEqual([shown.name, shown.group], ['cfg1', 'script']);
  });

  test('bad input: Heat errors from the server, and nothing created', async () => {
    const tmpl = (name: string, body: string) => file(name, body);
    await fails(
      [
        'stack',
        'create',
        '-t',
        tmpl(
          'fn.yaml',
          'heat_template_version: 2015-04-30\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {str_split: [",", "a,b"]}\n',
        ),
        'bad1',
      ],
      /resources\.a\.properties\.value: The function "str_split" is not supported in heat_template_version 2015-04-30\. It needs heat_template_version 2015-10-15 or later/,
    );
    await fails(
      [
        'stack',
        'create',
        '-t',
        tmpl(
          'cycle.yaml',
          'heat_template_version: 2018-08-31\nresources:\n  a: {type: OS::Heat::None, depends_on: b}\n  b: {type: OS::Heat::None, depends_on: a}\n',
        ),
        'bad2',
      ],
      /Circular Dependency Found: a -> b -> a/,
    );
    await fails(
      ['stack', 'create', '-t', file('main3.yaml', MAIN), '-e', file('env3.yaml', ENV), 'bad3'],
      /The Parameter \(greeting\) was not provided/,
    );
    await fails(
      [
        'stack',
        'create',
        '-t',
        file('main4.yaml', MAIN),
        '-e',
        file('env4.yaml', ENV),
        '--parameter',
        'greeting=h',
        'bad4',
      ],
      /Parameter 'greeting' is invalid: length must be at least 2/,
    );
    await fails(
      [
        'stack',
        'create',
        '-t',
        tmpl('type.yaml', 'heat_template_version: 2018-08-31\nresources:\n  s: {type: OS::Nova::Serverr}\n'),
        'bad5',
      ],
      /resources\.s\.type: The Resource Type \(OS::Nova::Serverr\) could not be found\. Available types: .*OS::Heat::None/,
    );
    await fails(
      [
        'orchestration',
        'template',
        'validate',
        '-t',
        tmpl(
          'attr.yaml',
          'heat_template_version: 2018-08-31\nresources:\n  a: {type: OS::Heat::None}\noutputs:\n  o: {value: {get_attr: [nope, x]}}\n',
        ),
      ],
      /The specified reference "nope" \(in output o\) is incorrect/,
    );
    const list = (await ok(['stack', 'list', '-f', 'json'])).json<{ 'Stack Name': string }[]>();
    assert.deepEqual(
      list.filter((x) => x['Stack Name'].startsWith('bad')),
      [],
    );
  });

  test('resource signal completes a wait condition', async () => {
    const t = file(
      'wait.yaml',
      'heat_template_version: 2018-08-31\nresources:\n  handle: {type: OS::Heat::WaitConditionHandle}\n  wait:\n    type: OS::Heat::WaitCondition\n    properties: {handle: {get_resource: handle}, timeout: 300}\noutputs:\n  data: {value: {get_attr: [wait, data]}}\n',
    );
    await ok(['stack', 'create', '-t', t, 'waiter']);
    await ok([
      'stack',
      'resource',
      'signal',
      '--data',
      '{"status": "SUCCESS", "data": "ready", "id": "n1"}',
      'waiter',
      'handle',
    ]);
    await fails(
      ['stack', 'resource', 'signal', 'waiter', 'wait'],
      /OS::Heat::WaitCondition takes no signals/,
    );
    let status = '';
    for (let i = 0; i < 20 && status !== 'CREATE_COMPLETE'; i++) {
      status = (await ok(['stack', 'show', '-f', 'json', '-c', 'stack_status', 'waiter'])).json<{
        stack_status: string;
      }>().stack_status;
    }
    assert.equal(status, 'CREATE_COMPLETE');
    const data = (await ok(['stack', 'output', 'show', '-f', 'json', 'waiter', 'data'])).json<{
      output_value: string;
    }>();
    assert.deepEqual(JSON.parse(data.output_value), { n1: 'ready' });
  });

  test('YAML sent as text: the error names the line (over the API, the CLI parses YAML itself)', async () => {
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const project = (
      (await (
        await fetch(`${seed.authUrl}/auth/tokens`, {
          headers: { 'x-auth-token': token, 'x-subject-token': token },
        })
      ).json()) as { token: { project: { id: string } } }
    ).token.project.id;
    const r = await fetch(`${seed.urls.orchestration}/v1/${project}/stacks`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        stack_name: 'yaml',
        template: 'heat_template_version: 2018-08-31\nresources:\n  a: {type: [OS::Heat::None\n',
      }),
    });
    assert.equal(r.status, 400);
    const body = (await r.json()) as { explanation: string; error: { type: string; message: string } };
    assert.equal(body.error.type, 'InvalidTemplate');
    assert.match(body.error.message, /Error parsing template at line \d+:/);
    assert.match(body.explanation, /malformed or otherwise incorrect/);
  });

  test('stack list: --tags (every one; --tag-mode any, not, not-any), --property, --limit, --marker and --sort', async () => {
    const t = file(
      'none.yaml',
      'heat_template_version: 2018-08-31\nresources:\n  n: {type: OS::Heat::None}\n',
    );
    // created one after the other, so the list's default order (newest first) is ls-c, ls-a, ls-b
    for (const [name, tags] of [
      ['ls-b', 'ls-x'],
      ['ls-a', 'ls-x,ls-y'],
      ['ls-c', 'ls-y'],
    ] as const)
      await ok(['stack', 'create', '--wait', '-t', t, '--tags', tags, name]);
    const list = async (...args: string[]) =>
      (await ok(['stack', 'list', '-f', 'json', ...args])).json<{ ID: string; 'Stack Name': string }[]>();
    const names = async (...args: string[]) => (await list(...args)).map((s) => s['Stack Name']);
    const mine = ['--tags', 'ls-x,ls-y', '--tag-mode', 'any'];
    assert.deepEqual(await names(...mine), ['ls-c', 'ls-a', 'ls-b']);
    assert.deepEqual(await names('--tags', 'ls-x,ls-y'), ['ls-a']);
    assert.deepEqual(await names('--property', 'name=ls-c'), ['ls-c']);
    const three = ['--property', 'name=ls-a', '--property', 'name=ls-b', '--property', 'name=ls-c'];
    assert.deepEqual(await names(...three, '--tags', 'ls-x,ls-y', '--tag-mode', 'not'), ['ls-c', 'ls-b']);
    assert.deepEqual(await names(...three, '--tags', 'ls-x', '--tag-mode', 'not-any'), ['ls-c']);
    const first = await list(...mine, '--limit', '1');
    assert.deepEqual(
      first.map((s) => s['Stack Name']),
      ['ls-c'],
    );
    assert.deepEqual(await names(...mine, '--limit', '2', '--marker', first[0]?.ID ?? ''), ['ls-a', 'ls-b']);
    assert.deepEqual(await names(...mine, '--sort', 'stack_name:asc'), ['ls-a', 'ls-b', 'ls-c']);
    await fails(['stack', 'list', '--marker', 'nosuch'], /The Stack \(nosuch\) could not be found/);
    await ok(['stack', 'delete', '--wait', '-y', 'ls-a', 'ls-b', 'ls-c']);
  });
});
