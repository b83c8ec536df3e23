// The metadata path end to end with local processes: a stack with an OS::Nova::Server (a test double of
// the compute client) and deployments; our os-collect-config (cfn collector, signed requests) polls the
// CFN API for the server's metadata, os-refresh-config runs os-apply-config (which renders the config)
// and heat-config (the script hook, then heat-config-notify), and 99-refresh-completed signals the
// structured deployment — the deployments and the stack go COMPLETE. A script that exits 1 fails the
// update with its stderr in the reason.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signV2 } from '../../src/agents/config/occ-cfn.ts';
import { renderNovaError } from '../../src/compute/api/render.ts';
import { computeService } from '../../src/compute/index.ts';
import type { ServiceDefinition } from '../../src/platform/service.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { ComputeDouble } from '../support/compute-double.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const ROOT = join(import.meta.dirname, '../..');
const ELEMENT = join(ROOT, 'elements/heat-config');
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = Record<string, any>;

const TEMPLATE = {
  heat_template_version: '2014-10-16',
  parameters: { code: { type: 'number', default: 0 } },
  resources: {
    app_config: {
      type: 'OS::Heat::StructuredConfig',
      properties: {
        group: 'os-apply-config',
        config: {
          app: { greeting: { get_input: 'greeting' } },
          'instance-id': { get_input: 'deploy_server_id' },
          'completion-signal': { get_input: 'deploy_signal_id' },
        },
      },
    },
    script_config: {
      type: 'OS::Heat::SoftwareConfig',
      properties: {
        group: 'script',
        inputs: [{ name: 'code' }],
        outputs: [{ name: 'result' }],
        config:
          '#!/bin/sh\necho "ran with code $code"\necho "the script says no" >&2\necho -n done > "$heat_outputs_path.result"\nexit $code\n',
      },
    },
    server: {
      type: 'OS::Nova::Server',
      properties: {
        image: '3c4f6e1a-0b7e-4c69-9a43-3f3b3c0f9d10',
        flavor: 'small',
        user_data_format: 'SOFTWARE_CONFIG',
        networks: [{ network: '7d1c2f58-5c0a-4d22-8b1e-0f6f6b2d2a11' }],
      },
    },
    app_deployment: {
      type: 'OS::Heat::StructuredDeployment',
      properties: {
        name: '10_app',
        config: { get_resource: 'app_config' },
        server: { get_resource: 'server' },
        input_values: { greeting: 'hello' },
      },
    },
    script_deployment: {
      type: 'OS::Heat::SoftwareDeployment',
      properties: {
        name: '20_script',
        config: { get_resource: 'script_config' },
        server: { get_resource: 'server' },
        input_values: { code: { get_param: 'code' } },
      },
    },
  },
  outputs: {
    stdout: { value: { get_attr: ['script_deployment', 'deploy_stdout'] } },
    result: { value: { get_attr: ['script_deployment', 'result'] } },
    address: { value: { get_attr: ['server', 'first_address'] } },
  },
};

// The machine's tools the path needs on this host: curl (99-refresh-completed) and flock (os-refresh-config).
const missingTool = ['/usr/bin/curl', '/usr/bin/flock'].find((t) => !existsSync(t));

describe('the metadata path: os-collect-config ↔ CFN API ↔ deployments', {
  skip: missingTool && `no ${missingTool}`,
}, () => {
  let seed: TestSeed;
  let token: string;
  let heat: string;
  let dir: string;
  const compute = new ComputeDouble();
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${heat}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const stackPath = () => `/stacks/meta/${stackId}`;
  let stackId = '';
  const waitFor = async (what: string, ok: () => Promise<boolean>) => {
    for (let i = 0; i < 3600; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const status = async () => (await call('GET', stackPath())).json.stack as Json;
  const resources = async () =>
    Object.fromEntries(
      ((await call('GET', `${stackPath()}/resources`)).json.resources as Json[]).map((r) => [
        r.resource_name,
        r,
      ]),
    );

  /** A request signed as os-collect-config signs it, with the key from the machine's configuration. */
  const signed = async (params: Record<string, string>, accept?: string) => {
    const conf = readFileSync(join(dir, 'occ-server.conf'), 'utf8');
    const url = new URL(/metadata_url = (.*)/.exec(conf)?.[1] as string);
    const p: Record<string, string> = {
      ...params,
      AWSAccessKeyId: /access_key_id = (.*)/.exec(conf)?.[1] as string,
      SignatureVersion: '2',
    };
    p.Signature = signV2(
      /secret_access_key = (.*)/.exec(conf)?.[1] as string,
      p,
      'GET',
      url.host,
      url.pathname,
    );
    const r = await fetch(`${url}?${new URLSearchParams(p)}`, accept ? { headers: { accept } } : {});
    return { status: r.status, text: await r.text() };
  };

  /** One os-collect-config cycle, as the machine's service runs it (command = os-refresh-config). */
  const collect = async () => {
    const env = {
      ...process.env,
      PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`,
      OS_REFRESH_CONFIG_BASE_DIR: join(dir, 'orc'),
      HEAT_SHELL_CONFIG: join(dir, 'root/var/run/heat-config/heat-config'),
      HEAT_CONFIG_DEPLOYED: join(dir, 'deployed'),
      HEAT_CONFIG_HOOKS: join(dir, 'hooks'),
      HEAT_SCRIPT_WORKING: join(dir, 'script-working'),
      HEAT_SCRIPT_OUTPUTS: join(dir, 'script-outputs'),
    };
    const child = spawn(
      join(ROOT, 'bin/os-collect-config'),
      ['--one-time', '--config-file', join(dir, 'occ.conf')],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      err += d;
    });
    const [code] = await once(child, 'exit');
    return { code: code as number, err };
  };

  before(async () => {
    const computeStub: ServiceDefinition = {
      ...computeService,
      create: () => ({ client: compute, render: renderNovaError, register() {} }),
    };
    seed = await startTestSeed({
      services: ['orchestration', 'orchestration-cfn'],
      definitions: ALL_SERVICES.map((d) => (d.name === 'compute' ? computeStub : d)),
    });
    token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const project = (
      (await (
        await fetch(`${seed.authUrl}/auth/tokens`, {
          headers: { 'x-auth-token': token, 'x-subject-token': token },
        })
      ).json()) as Json
    ).token.project.id as string;
    heat = `${seed.urls.orchestration}/v1/${project}`;
    dir = seed.stateDir;
    // The machine's files: os-apply-config templates (heat-config's, and one of the app's), the
    // os-refresh-config phases (os-apply-config, then heat-config's and the completion script).
    const templates = join(dir, 'templates');
    mkdirSync(join(templates, 'etc'), { recursive: true });
    writeFileSync(join(templates, 'etc/app.conf'), 'greeting={{app.greeting}}\n');
    mkdirSync(join(templates, 'var/run/heat-config'), { recursive: true });
    writeFileSync(
      join(templates, 'var/run/heat-config/heat-config'),
      readFileSync(join(ELEMENT, 'os-apply-config/var/run/heat-config/heat-config')),
    );
    mkdirSync(join(dir, 'orc/configure.d'), { recursive: true });
    mkdirSync(join(dir, 'orc/post-configure.d'), { recursive: true });
    writeFileSync(
      join(dir, 'orc/configure.d/20-os-apply-config'),
      `#!/bin/sh\nexec os-apply-config -t ${templates} -o ${join(dir, 'root')}\n`,
      { mode: 0o755 },
    );
    symlinkSync(
      join(ELEMENT, 'os-refresh-config/configure.d/55-heat-config'),
      join(dir, 'orc/configure.d/55-heat-config'),
    );
    symlinkSync(
      join(ELEMENT, 'os-refresh-config/post-configure.d/99-refresh-completed'),
      join(dir, 'orc/post-configure.d/99-refresh-completed'),
    );
    mkdirSync(join(dir, 'hooks'));
    symlinkSync(join(ROOT, 'bin/heat-config-hook-script'), join(dir, 'hooks/script'));
  });
  after(async () => {
    await seed?.stop();
  });

  test('catalog: heat-cfn is the cloudformation endpoint', async () => {
    const r = (await (
      await fetch(`${seed.authUrl}/auth/tokens`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      })
    ).json()) as Json;
    const cfn = (r.token.catalog as Json[]).find((e) => e.type === 'cloudformation');
    assert.equal(cfn?.name, 'heat-cfn');
    assert.match(cfn?.endpoints[0].url, /\/v1$/);
  });

  test('create: the machine collects, applies and signals; deployments and stack COMPLETE', async () => {
    const created = await call('POST', '/stacks', {
      stack_name: 'meta',
      template: TEMPLATE,
      disable_rollback: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    stackId = created.json.stack.id;
    await waitFor('the server and waiting deployments', async () => {
      const rs = await resources();
      return (
        rs.server?.resource_status === 'CREATE_COMPLETE' &&
        rs.app_deployment?.resource_status === 'CREATE_IN_PROGRESS' &&
        rs.script_deployment?.resource_status === 'CREATE_IN_PROGRESS'
      );
    });
    // What cloud-init gets: the cfn-init-data part carries the os-collect-config block.
    const server = [...compute.servers.values()][0];
    assert.ok(server?.userData);
    const part = /filename="cfn-init-data"\n\n(.*)\n/.exec(server.userData)?.[1] as string;
    const occ = JSON.parse(part)['os-collect-config'];
    assert.equal(occ.cfn.stack_name, 'meta');
    assert.equal(occ.cfn.path, 'server.Metadata');
    assert.equal(occ.cfn.metadata_url, `${seed.urls['orchestration-cfn']}/v1/`);
    // The Heat API shows the metadata with the secret masked, and the sorted deployments.
    const md = (await call('GET', `${stackPath()}/resources/server/metadata`)).json.metadata;
    assert.equal(md['os-collect-config'].cfn.secret_access_key, '******');
    assert.deepEqual(
      md.deployments.map((d: Json) => [d.name, d.group]),
      [
        ['10_app', 'os-apply-config'],
        ['20_script', 'script'],
      ],
    );
    writeFileSync(
      join(dir, 'occ.conf'),
      [
        '[DEFAULT]',
        'command = os-refresh-config --lockfile ' + join(dir, 'orc.lock'),
        'collectors = cfn',
        `cachedir = ${join(dir, 'occ-cache')}`,
        '[cfn]',
        `metadata_url = ${occ.cfn.metadata_url}`,
        `access_key_id = ${occ.cfn.access_key_id}`,
        `secret_access_key = ${occ.cfn.secret_access_key}`,
        `stack_name = ${occ.cfn.stack_name}`,
        `path = ${occ.cfn.path}`,
        '',
      ].join('\n'),
    );
    const run = await collect();
    assert.equal(run.code, 0, run.err);
    writeFileSync(join(dir, 'occ-server.conf'), readFileSync(join(dir, 'occ.conf')));
    await waitFor('CREATE_COMPLETE', async () => (await status()).stack_status !== 'CREATE_IN_PROGRESS');
    const s = await status();
    assert.equal(s.stack_status, 'CREATE_COMPLETE', s.stack_status_reason);
    assert.equal(readFileSync(join(dir, 'root/etc/app.conf'), 'utf8'), 'greeting=hello\n');
    const out = Object.fromEntries((s.outputs as Json[]).map((o) => [o.output_key, o.output_value]));
    assert.equal(out.stdout, 'ran with code 0\n');
    assert.equal(out.result, 'done');
    assert.equal(out.address, '192.0.2.10');
  });

  test('signed Describe* calls answer in XML or JSON; a wrong signature or another stack is refused', async () => {
    const stacks = await signed({ Action: 'DescribeStacks', StackName: 'meta' });
    assert.equal(stacks.status, 200, stacks.text);
    assert.match(
      stacks.text,
      /^<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackId>arn:openstack:heat::/,
    );
    assert.match(stacks.text, /<OutputKey>stdout<\/OutputKey><OutputValue>ran with code 0\n<\/OutputValue>/);
    const all = await signed({ Action: 'DescribeStackResources', StackName: 'meta' }, 'application/json');
    const members = JSON.parse(all.text).DescribeStackResourcesResponse.DescribeStackResourcesResult
      .StackResources;
    assert.deepEqual(members.map((m: Json) => m.LogicalResourceId).sort(), [
      'app_config',
      'app_deployment',
      'script_config',
      'script_deployment',
      'server',
    ]);
    const other = await signed({
      Action: 'DescribeStackResource',
      StackName: 'not-mine',
      LogicalResourceId: 'server',
    });
    assert.equal(other.status, 404);
    assert.match(other.text, /<Code>StackNotFound<\/Code>/);
    const conf = readFileSync(join(dir, 'occ-server.conf'), 'utf8');
    const url = /metadata_url = (.*)/.exec(conf)?.[1] as string;
    const key = /access_key_id = (.*)/.exec(conf)?.[1] as string;
    const q = new URLSearchParams({
      Action: 'DescribeStackResource',
      StackName: 'meta',
      LogicalResourceId: 'server',
      AWSAccessKeyId: key,
      SignatureVersion: '2',
      SignatureMethod: 'HmacSHA256',
      Signature: 'bm90IHRoZSBzaWduYXR1cmU=',
    });
    const r = await fetch(`${url}?${q}`);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const unsigned = await fetch(`${url}?Action=DescribeStacks`);
    assert.equal(unsigned.status, 403);
  });

  test('update: a changed input re-renders without rebuilding; a script exiting 1 fails with its stderr', async () => {
    const upd = await call('PATCH', stackPath(), { parameters: { code: 1 } });
    assert.equal(upd.status, 202, JSON.stringify(upd.json));
    await waitFor('the script deployment to wait again', async () => {
      const rs = await resources();
      return rs.script_deployment?.resource_status === 'UPDATE_IN_PROGRESS';
    });
    const run = await collect();
    assert.equal(run.code, 0, run.err);
    await waitFor('the update to end', async () => (await status()).stack_status !== 'UPDATE_IN_PROGRESS');
    const s = await status();
    assert.equal(s.stack_status, 'UPDATE_FAILED');
    assert.match(s.stack_status_reason, /Deployment exited with non-zero status code: 1/);
    assert.match(s.stack_status_reason, /the script says no/);
    assert.equal(readFileSync(join(dir, 'root/etc/app.conf'), 'utf8'), 'greeting=hello\n');
    assert.deepEqual(
      compute.calls.filter((c) => c.startsWith('create') || c.startsWith('rebuild')).length,
      1,
      'the server was neither rebuilt nor replaced',
    );
  });

  test('the CFN generation: an IAM key in the metadata, 99-refresh-completed PUTs to the wait handle', async () => {
    const cfnTemplate = {
      HeatTemplateFormatVersion: '2012-12-12',
      Resources: {
        User: { Type: 'AWS::IAM::User' },
        Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: { Ref: 'User' } } },
        Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
        Wait: {
          Type: 'AWS::CloudFormation::WaitCondition',
          Properties: { Handle: { Ref: 'Handle' }, Timeout: 600 },
        },
        undercloudConfig: {
          Type: 'OS::Heat::None',
          Metadata: {
            app: { greeting: 'from-cfn' },
            'instance-id': 'i-0001',
            'completion-handle': { Ref: 'Handle' },
            'os-collect-config': {
              cfn: {
                access_key_id: { Ref: 'Key' },
                secret_access_key: { 'Fn::GetAtt': ['Key', 'SecretAccessKey'] },
                stack_name: { Ref: 'AWS::StackName' },
                path: 'undercloudConfig.Metadata',
              },
            },
          },
        },
      },
      Outputs: {
        key: { Value: { Ref: 'Key' } },
        secret: { Value: { 'Fn::GetAtt': ['Key', 'SecretAccessKey'] } },
        data: { Value: { 'Fn::GetAtt': ['Wait', 'Data'] } },
      },
    };
    const created = await call('POST', '/stacks', { stack_name: 'undercloud', template: cfnTemplate });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const path = `/stacks/undercloud/${created.json.stack.id}`;
    let outputs: Json = {};
    await waitFor('the key and the waiting condition', async () => {
      const st = (await call('GET', path)).json.stack as Json;
      outputs = Object.fromEntries((st.outputs as Json[]).map((o) => [o.output_key, o.output_value]));
      return typeof outputs.secret === 'string' && outputs.secret !== '';
    });
    // The Heat API masks the secret in the metadata it shows.
    const md = (await call('GET', `${path}/resources/undercloudConfig/metadata`)).json.metadata;
    assert.equal(md['os-collect-config'].cfn.secret_access_key, '******');
    writeFileSync(
      join(dir, 'occ.conf'),
      [
        '[DEFAULT]',
        `command = os-refresh-config --lockfile ${join(dir, 'orc.lock')}`,
        'collectors = cfn',
        `cachedir = ${join(dir, 'occ-cache-cfn')}`,
        '[cfn]',
        `metadata_url = ${seed.urls['orchestration-cfn']}/v1/`,
        `access_key_id = ${outputs.key}`,
        `secret_access_key = ${outputs.secret}`,
        'stack_name = undercloud',
        'path = undercloudConfig.Metadata',
        '',
      ].join('\n'),
    );
    const run = await collect();
    assert.equal(run.code, 0, run.err);
    await waitFor(
      'CREATE_COMPLETE',
      async () => ((await call('GET', path)).json.stack as Json).stack_status !== 'CREATE_IN_PROGRESS',
    );
    const st = (await call('GET', path)).json.stack as Json;
    assert.equal(st.stack_status, 'CREATE_COMPLETE', st.stack_status_reason);
    const data = (st.outputs as Json[]).find((o) => o.output_key === 'data')?.output_value;
    assert.deepEqual(JSON.parse(data), { 'i-0001': 'Finished os-refresh-config.' });
    assert.equal(readFileSync(join(dir, 'root/etc/app.conf'), 'utf8'), 'greeting=from-cfn\n');
    assert.equal((await call('DELETE', path)).status, 204);
  });

  test('UpdateWaitConditionHandle: every stack update gives a new URL and the wait condition waits again', async () => {
    const template = {
      HeatTemplateFormatVersion: '2012-12-12',
      Parameters: { Round: { Type: 'String', Default: '1' } },
      Resources: {
        Handle: { Type: 'OS::Heat::UpdateWaitConditionHandle' },
        Wait: {
          Type: 'AWS::CloudFormation::WaitCondition',
          Properties: { Handle: { Ref: 'Handle' }, Timeout: 600 },
        },
      },
      Outputs: {
        url: { Value: { Ref: 'Handle' } },
        data: { Value: { 'Fn::GetAtt': ['Wait', 'Data'] } },
        round: { Value: { Ref: 'Round' } },
      },
    };
    const created = await call('POST', '/stacks', { stack_name: 'rounds', template });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const path = `/stacks/rounds/${created.json.stack.id}`;
    const view = async () => {
      const st = (await call('GET', path)).json.stack as Json;
      return {
        status: st.stack_status as string,
        reason: st.stack_status_reason as string,
        out: Object.fromEntries((st.outputs as Json[]).map((o) => [o.output_key, o.output_value])),
      };
    };
    const put = (url: string, data: string) =>
      fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Status: 'SUCCESS', Reason: 'done', UniqueId: 'm1', Data: data }),
      });
    let first = '';
    await waitFor('the first URL', async () => {
      first = (await view()).out.url ?? '';
      return first.startsWith('http');
    });
    assert.equal((await put(first, 'first')).status, 200);
    await waitFor('CREATE_COMPLETE', async () => (await view()).status !== 'CREATE_IN_PROGRESS');
    let v = await view();
    assert.equal(v.status, 'CREATE_COMPLETE', v.reason);
    assert.deepEqual(JSON.parse(v.out.data), { m1: 'first' });
    // An update changing nothing the handle uses still replaces it: a new URL, the old one revoked.
    assert.equal((await call('PATCH', path, { parameters: { Round: '2' } })).status, 202);
    let second = '';
    await waitFor('a new URL', async () => {
      const x = await view();
      second = x.out.url ?? '';
      const handle = (await call('GET', `${path}/resources/Handle`)).json.resource as Json;
      // Replaced: the new handle made and the old one deleted (its key revoked).
      return handle.resource_status === 'UPDATE_COMPLETE' && second.startsWith('http') && second !== first;
    });
    assert.equal((await put(first, 'stale')).status, 403);
    assert.equal((await put(second, 'second')).status, 200);
    await waitFor('UPDATE_COMPLETE', async () => (await view()).status !== 'UPDATE_IN_PROGRESS');
    v = await view();
    assert.equal(v.status, 'UPDATE_COMPLETE', v.reason);
    assert.deepEqual(JSON.parse(v.out.data), { m1: 'second' }, "the first round's signal is gone");
    assert.equal(v.out.round, '2');
    assert.equal((await call('DELETE', path)).status, 204);
  });

  test('delete removes the server, the deployments and their keys', async () => {
    const r = await call('DELETE', stackPath());
    assert.equal(r.status, 204);
    await waitFor('the stack to go', async () => {
      const x = await call('GET', stackPath());
      return x.status === 404 || x.json.stack?.stack_status === 'DELETE_COMPLETE';
    });
    assert.equal(compute.servers.size, 0);
    // The server's key went with it: its signed requests are refused now.
    const r2 = await signed({
      Action: 'DescribeStackResource',
      StackName: 'meta',
      LogicalResourceId: 'server',
    });
    assert.equal(r2.status, 403);
  });
});
