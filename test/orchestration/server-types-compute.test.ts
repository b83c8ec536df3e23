// OS::Nova::ServerGroup, POLL_SERVER_HEAT and AWS::EC2::Instance against the real compute service on sim
// bare metal nodes (a seed with identity, image, network, bare metal, compute and its metadata service,
// heat and heat-cfn):
// - a server in an anti-affinity group, its metadata polled by our os-collect-config's heat collector as
//   the stack user Heat made for it (Keystone password auth, then GET .../resources/server/metadata); the
//   script deployment runs and signals → COMPLETE; the user can read nothing else; delete removes the
//   user, the group and the server;
// - an AWS::EC2::Instance on a port made on a subnet, with heat-cfntools user data: the x-cfninitdata
//   parts are written where the part handler puts them, os-collect-config reads cfn-init-data
//   (heat_local) and then the Metadata through the CFN API (signed, the endpoint from the
//   cfn-metadata-server hint); a Metadata change reaches the machine without a rebuild; Fn::GetAtt
//   PublicIp/PrivateIp/PublicDnsName/PrivateDnsName/AvailabilityZone.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Json, type ServerLab, startServerLab } from '../compute/servers-sim.ts';
import { machineIn, mimeParts } from '../support/heat-machine.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';

const missing =
  cliUnavailable() ??
  ['/usr/bin/curl', '/usr/bin/flock', '/usr/bin/xorriso'].find((t) => !existsSync(t))?.replace(/^/, 'no ');

const HEAT_POLLED = {
  heat_template_version: '2016-10-14',
  resources: {
    group: { type: 'OS::Nova::ServerGroup', properties: { policies: ['anti-affinity'] } },
    server: {
      type: 'OS::Nova::Server',
      properties: {
        image: 'ht-img',
        flavor: 'baremetal',
        user_data_format: 'SOFTWARE_CONFIG',
        software_config_transport: 'POLL_SERVER_HEAT',
        scheduler_hints: { group: { get_resource: 'group' } },
      },
    },
    script: {
      type: 'OS::Heat::SoftwareConfig',
      properties: { group: 'script', config: '#!/bin/sh\necho "polled through the Heat API"\n' },
    },
    deployment: {
      type: 'OS::Heat::SoftwareDeployment',
      properties: { config: { get_resource: 'script' }, server: { get_resource: 'server' } },
    },
  },
  outputs: { stdout: { value: { get_attr: ['deployment', 'deploy_stdout'] } } },
};

const ec2Template = (subnet: string) => ({
  HeatTemplateFormatVersion: '2012-12-12',
  Parameters: { Greeting: { Type: 'String', Default: 'hello' } },
  Resources: {
    User: { Type: 'AWS::IAM::User' },
    Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: { Ref: 'User' } } },
    Box: {
      Type: 'AWS::EC2::Instance',
      Metadata: {
        app: { greeting: { Ref: 'Greeting' } },
        'os-collect-config': {
          cfn: {
            access_key_id: { Ref: 'Key' },
            secret_access_key: { 'Fn::GetAtt': ['Key', 'SecretAccessKey'] },
            stack_name: { Ref: 'AWS::StackName' },
            path: 'Box.Metadata',
          },
        },
      },
      Properties: {
        ImageId: 'ht-img',
        InstanceType: 'baremetal',
        UserData: { 'Fn::Base64': '#!/bin/sh\necho booted\n' },
        SubnetId: subnet,
        Tags: [{ Key: 'tier', Value: 'undercloud' }],
      },
    },
  },
  Outputs: Object.fromEntries(
    ['PublicIp', 'PrivateIp', 'PublicDnsName', 'PrivateDnsName', 'AvailabilityZone'].map((a) => [
      a,
      { Value: { 'Fn::GetAtt': ['Box', a] } },
    ]),
  ),
});

describe('server types over the real compute service (sim bare metal)', { skip: missing }, () => {
  let lab: ServerLab;
  let dir: string;
  let heat: string;
  let projectId: string;

  const call = async (method: string, path: string, body?: unknown, token = lab.admin) => {
    const r = await fetch(`${heat}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const until = async (what: string, ok: () => Promise<boolean>) => {
    // Bounded by a count of polls, not by a time: a slow machine only makes it slower.
    for (let i = 0; i < 6000; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const resources = async (path: string) =>
    Object.fromEntries(
      ((await call('GET', `${path}/resources`)).json.resources as Json[]).map((r) => [r.resource_name, r]),
    );
  const settled = async (path: string, action: string) => {
    const view = async () => (await call('GET', path)).json.stack as Json;
    await until(`${action} to end`, async () => (await view()).stack_status !== `${action}_IN_PROGRESS`);
    return view();
  };
  const gone = async (path: string) => {
    assert.equal((await call('DELETE', path)).status, 204);
    await until('the stack to go', async () => {
      const x = await call('GET', path);
      if (x.json.stack?.stack_status === 'DELETE_FAILED') throw new Error(x.json.stack.stack_status_reason);
      return x.status === 404 || x.json.stack?.stack_status === 'DELETE_COMPLETE';
    });
  };
  /** What cloud-init reads as the instance: the user data from compute's metadata service. */
  const userData = async (serverId: string) => {
    const ip = (await lab.neutron(`/v2.0/ports?device_id=${serverId}`)).ports[0].fixed_ips[0].ip_address;
    const ud = await fetch(`${lab.seed.urls['compute-metadata']}/latest/user-data`, {
      headers: { 'x-forwarded-for': ip },
    });
    assert.equal(ud.status, 200);
    return { ip: ip as string, parts: mimeParts(await ud.text()) };
  };

  before(async () => {
    lab = await startServerLab({}, ['orchestration', 'orchestration-cfn']);
    dir = mkdtempSync(join(tmpdir(), 'ooo-heat-types-'));
    await lab.image(dir, 'ht-img', 2);
    await lab.simNodes(['ht-0', 'ht-1'], 0x0310);
    const who = (await (
      await fetch(`${lab.seed.authUrl}/auth/tokens`, {
        headers: { 'x-auth-token': lab.admin, 'x-subject-token': lab.admin },
      })
    ).json()) as Json;
    projectId = who.token.project.id;
    heat = `${lab.seed.urls.orchestration}/v1/${projectId}`;
  });
  after(async () => {
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('POLL_SERVER_HEAT in a server group: the heat collector polls as the stack user', async () => {
    const created = await call('POST', '/stacks', { stack_name: 'polled', template: HEAT_POLLED });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const path = `/stacks/polled/${created.json.stack.id}`;
    await until('the server and the waiting deployment', async () => {
      const rs = await resources(path);
      for (const r of Object.values(rs) as Json[])
        if (r.resource_status === 'CREATE_FAILED') throw new Error(r.resource_status_reason);
      return (
        rs.server?.resource_status === 'CREATE_COMPLETE' &&
        rs.deployment?.resource_status === 'CREATE_IN_PROGRESS'
      );
    });
    const rs = await resources(path);
    const serverId = rs.server.physical_resource_id;
    const groupId = rs.group.physical_resource_id;
    const group = (await lab.nova('GET', `/os-server-groups/${groupId}`)).body.server_group;
    assert.equal(group.policy, 'anti-affinity');
    assert.deepEqual(group.members, [serverId]);

    const { parts } = await userData(serverId);
    const occ = JSON.parse(parts.get('cfn-init-data')?.body ?? '{}')['os-collect-config'];
    assert.deepEqual(occ.collectors, ['ec2', 'heat', 'local']);
    assert.equal(occ.cfn, undefined);
    assert.equal(occ.heat.auth_url, `${lab.seed.urls.identity}/v3`);
    assert.equal(occ.heat.project_id, projectId);
    assert.equal(occ.heat.stack_id, path.replace('/stacks/', ''));
    assert.equal(occ.heat.resource_name, 'server');
    // The stack user: Keystone's own, with heat_stack_user on the project.
    const user = (
      await fetch(`${lab.seed.urls.identity}/v3/users/${occ.heat.user_id}`, {
        headers: { 'x-auth-token': lab.admin },
      })
    ).json() as Promise<Json>;
    assert.equal((await user).user.default_project_id, projectId);
    // The owner sees the password masked; the stack user sees its own server's metadata, nothing else.
    const shown = (await call('GET', `${path}/resources/server/metadata`)).json.metadata;
    assert.equal(shown['os-collect-config'].heat.password, '******');
    const login = await fetch(`${lab.seed.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: occ.heat.user_id, password: occ.heat.password } },
          },
          scope: { project: { id: projectId } },
        },
      }),
    });
    assert.equal(login.status, 201, await login.text());
    const token = login.headers.get('x-subject-token') as string;
    const own = await call('GET', `${path}/resources/server/metadata`, undefined, token);
    assert.equal(own.status, 200);
    assert.equal(own.json.metadata['os-collect-config'].heat.password, occ.heat.password);
    assert.equal((await call('GET', `${path}/resources/deployment/metadata`, undefined, token)).status, 403);
    assert.equal((await call('GET', '/stacks', undefined, token)).status, 403);

    const m = machineIn(join(dir, 'heat-machine'));
    const run = await m.collect(
      [
        ...m.defaults,
        'collectors = heat',
        '[heat]',
        ...['auth_url', 'user_id', 'password', 'project_id', 'stack_id', 'resource_name', 'region_name'].map(
          (k) => `${k} = ${occ.heat[k]}`,
        ),
        '',
      ].join('\n'),
    );
    assert.equal(run.code, 0, run.out);
    const st = await settled(path, 'CREATE');
    assert.equal(st.stack_status, 'CREATE_COMPLETE', st.stack_status_reason);
    assert.equal(
      st.outputs.find((o: Json) => o.output_key === 'stdout').output_value,
      'polled through the Heat API\n',
    );

    await gone(path);
    assert.equal((await lab.nova('GET', `/servers/${serverId}`)).status, 404);
    assert.equal((await lab.nova('GET', `/os-server-groups/${groupId}`)).status, 404);
    const after = await fetch(`${lab.seed.urls.identity}/v3/users/${occ.heat.user_id}`, {
      headers: { 'x-auth-token': lab.admin },
    });
    assert.equal(after.status, 404);
  });

  test('AWS::EC2::Instance: heat-cfntools user data, the Metadata through heat_local then the CFN API', async () => {
    const subnets = (await lab.neutron('/v2.0/subnets')).subnets as Json[];
    const subnet = subnets[0];
    assert.ok(subnet, 'the lab has a subnet');
    const created = await call('POST', '/stacks', { stack_name: 'ec2', template: ec2Template(subnet.id) });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const path = `/stacks/ec2/${created.json.stack.id}`;
    let st = await settled(path, 'CREATE');
    assert.equal(st.stack_status, 'CREATE_COMPLETE', st.stack_status_reason);
    const serverId = (await resources(path)).Box.physical_resource_id;
    const server = (await lab.nova('GET', `/servers/${serverId}`)).body.server;
    assert.equal(server.status, 'ACTIVE');
    assert.deepEqual(server.metadata, { tier: 'undercloud' });
    const ports = (await lab.neutron(`/v2.0/ports?device_id=${serverId}`)).ports as Json[];
    assert.equal(ports.length, 1);
    assert.equal(ports[0].fixed_ips[0].subnet_id, subnet.id);
    const { ip, parts } = await userData(serverId);
    const out = Object.fromEntries((st.outputs as Json[]).map((o) => [o.output_key, o.output_value]));
    assert.deepEqual(out, {
      PublicIp: ip,
      PrivateIp: ip,
      PublicDnsName: ip,
      PrivateDnsName: ip,
      AvailabilityZone: server['OS-EXT-AZ:availability_zone'],
    });
    assert.equal(parts.get('part-handler.py')?.type, 'text/part-handler');
    assert.equal(parts.get('cfn-userdata')?.body, '#!/bin/sh\necho booted\n');
    // What Heat's part handler does on the instance: every text/x-cfninitdata part into the state directory.
    const state = join(dir, 'var-lib-heat-cfntools');
    mkdirSync(state);
    for (const [name, p] of parts)
      if (p.type === 'text/x-cfninitdata') writeFileSync(join(state, name), p.body);
    const init = JSON.parse(readFileSync(join(state, 'cfn-init-data'), 'utf8'));
    const cfn = init['os-collect-config'].cfn;
    // The machine's configuration as os-apply-config renders it from that metadata; no metadata_url: the
    // cfn collector takes the endpoint from the cfn-metadata-server hint.
    const m = machineIn(join(dir, 'ec2-machine'));
    const conf = [
      ...m.defaults,
      'collectors = heat_local',
      'collectors = cfn',
      '[heat_local]',
      `path = ${join(state, 'cfn-init-data')}`,
      '[cfn]',
      `heat_metadata_hint = ${join(state, 'cfn-metadata-server')}`,
      ...['access_key_id', 'secret_access_key', 'stack_name', 'path'].map((k) => `${k} = ${cfn[k]}`),
      '',
    ].join('\n');
    let run = await m.collect(conf);
    assert.equal(run.code, 0, run.out);
    assert.equal(readFileSync(join(m.root, 'etc/app.conf'), 'utf8'), 'greeting=hello\n');

    // A Metadata change: the same server; the machine's next poll of the CFN API renders it.
    const upd = await call('PATCH', path, { parameters: { Greeting: 'bonjour' } });
    assert.equal(upd.status, 202, JSON.stringify(upd.json));
    st = await settled(path, 'UPDATE');
    assert.equal(st.stack_status, 'UPDATE_COMPLETE', st.stack_status_reason);
    assert.equal((await resources(path)).Box.physical_resource_id, serverId);
    run = await m.collect(conf);
    assert.equal(run.code, 0, run.out);
    assert.equal(readFileSync(join(m.root, 'etc/app.conf'), 'utf8'), 'greeting=bonjour\n');

    await gone(path);
    assert.equal((await lab.nova('GET', `/servers/${serverId}`)).status, 404);
    assert.deepEqual((await lab.neutron(`/v2.0/ports?id=${ports[0].id}`)).ports, []);
  });
  test('the real CLI: the new types listed and shown, bad templates refused with nothing created', async () => {
    const types = (await lab.ok('orchestration', 'resource', 'type', 'list', '-f', 'json')) as Json[];
    const names = types.map((t) => t['Resource Type']);
    for (const t of ['OS::Nova::ServerGroup', 'AWS::EC2::Instance', 'OS::Nova::Server'])
      assert.ok(names.includes(t), t);
    const shown = await lab.ok(
      'orchestration',
      'resource',
      'type',
      'show',
      'AWS::EC2::Instance',
      '-f',
      'json',
    );
    assert.deepEqual(Object.keys(shown.attributes).sort(), [
      'AvailabilityZone',
      'PrivateDnsName',
      'PrivateIp',
      'PublicDnsName',
      'PublicIp',
      'show',
    ]);
    assert.ok(shown.properties.SecurityGroups);
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const fails = async (args: string[], re: RegExp) => {
      const r = await lab.os(...args);
      assert.notEqual(r.code, 0, `${args.join(' ')} succeeded:\n${r.stdout}`);
      assert.match(r.stderr, re);
    };
    const cfn = (props: string, outputs = '') =>
      `HeatTemplateFormatVersion: '2012-12-12'\nResources:\n  Box:\n    Type: AWS::EC2::Instance\n    Properties: {ImageId: ht-img, InstanceType: baremetal${props}}\n${outputs}`;
    await fails(
      ['stack', 'create', '-t', file('sg.yaml', cfn(', SecurityGroups: [web]')), '--wait', 'bad-sg'],
      /"web" is not an allowed value \[default\]/,
    );
    await fails(
      [
        'stack',
        'create',
        '-t',
        file('attr.yaml', cfn('', "Outputs:\n  o: {Value: {'Fn::GetAtt': [Box, PublicIpv6]}}\n")),
        'bad-attr',
      ],
      /The Referenced Attribute \(Box PublicIpv6\) is incorrect/,
    );
    await fails(
      ['stack', 'create', '-t', file('yaml.yaml', `${cfn('')}  Extra: {Type: [OS::Heat::None\n`), 'bad-yaml'],
      /line 6, column 17/,
    );
    await fails(
      [
        'stack',
        'create',
        '-t',
        file(
          'group.yaml',
          'heat_template_version: 2016-10-14\nresources:\n  g: {type: OS::Nova::ServerGroup, properties: {policies: [sideways]}}\n',
        ),
        'bad-group',
      ],
      /"sideways" is not an allowed value/,
    );
    const stacks = (await lab.ok('stack', 'list', '-f', 'json')) as Json[];
    assert.deepEqual(
      stacks.filter((x) => /^bad-/.test(x['Stack Name'])),
      [],
    );
    // A group alone through the CLI: created, its id an output, deleted with the stack.
    const t = file(
      'g.yaml',
      'heat_template_version: 2016-10-14\nresources:\n  g: {type: OS::Nova::ServerGroup, properties: {name: cli-group, policy: anti-affinity, rules: {max_server_per_host: 1}}}\noutputs:\n  id: {value: {get_resource: g}}\n',
    );
    await lab.ok('stack', 'create', '-t', t, '--wait', 'cli-group');
    const out = (await lab.ok('stack', 'output', 'show', 'cli-group', '--all', '-f', 'json')) as Json;
    const id = JSON.parse(out.id).output_value;
    const g = (await lab.nova('GET', `/os-server-groups/${id}`)).body.server_group;
    assert.deepEqual([g.name, g.policy, g.rules], ['cli-group', 'anti-affinity', { max_server_per_host: 1 }]);
    await lab.ok('stack', 'delete', '--wait', '-y', 'cli-group');
    assert.equal((await lab.nova('GET', `/os-server-groups/${id}`)).status, 404);
  });
});
