// The metadata path end to end against the real compute service: a seed with identity, image, network,
// bare metal (sim nodes), compute, orchestration and heat-cfn. A stack's OS::Nova::Server is built by
// compute on a sim node; cloud-init's user data (read from the compute metadata service as the instance
// would) carries the os-collect-config block; our os-collect-config (cfn collector, signed) polls the CFN
// API, os-refresh-config runs os-apply-config, the script hook and heat-config-notify, and
// 99-refresh-completed signals → deployments and stack COMPLETE. An image change with
// REBUILD_PRESERVE_EPHEMERAL rebuilds the same server keeping its data partition; a script exiting 1
// fails the update with its stderr; delete removes the server through compute and frees the node.
// OS::Nova::KeyPair and OS::Nova::Flavor go through the same compute service.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Json, type ServerLab, startServerLab } from '../compute/servers-sim.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const ELEMENT = join(ROOT, 'elements/heat-config');

const TEMPLATE = {
  heat_template_version: '2014-10-16',
  parameters: {
    code: { type: 'number', default: 0 },
    image: { type: 'string', default: 'heat-img-a', constraints: [{ custom_constraint: 'glance.image' }] },
  },
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
        config: '#!/bin/sh\necho "ran with code $code"\necho "the script says no" >&2\nexit $code\n',
      },
    },
    server: {
      type: 'OS::Nova::Server',
      properties: {
        image: { get_param: 'image' },
        flavor: 'baremetal',
        user_data_format: 'SOFTWARE_CONFIG',
        image_update_policy: 'REBUILD_PRESERVE_EPHEMERAL',
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
    address: { value: { get_attr: ['server', 'first_address'] } },
  },
};

const missing =
  cliUnavailable() ??
  ['/usr/bin/curl', '/usr/bin/flock', '/usr/bin/xorriso'].find((t) => !existsSync(t))?.replace(/^/, 'no ');

describe('the metadata path over the real compute service (sim bare metal)', { skip: missing }, () => {
  let lab: ServerLab;
  let dir: string;
  let heat: string;
  let images: Json[];
  let stackPath = '';
  let serverId = '';
  let nodeId = '';

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${heat}${path}`, {
      method,
      headers: { 'x-auth-token': lab.admin, ...(body ? { 'content-type': 'application/json' } : {}) },
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
  const stack = async () => {
    assert.ok(stackPath, 'the stack was not created');
    return (await call('GET', stackPath)).json.stack as Json;
  };
  const resources = async () =>
    Object.fromEntries(
      ((await call('GET', `${stackPath}/resources`)).json.resources as Json[]).map((r) => [
        r.resource_name,
        r,
      ]),
    );
  const resources2 = async (path: string) =>
    Object.fromEntries(
      ((await call('GET', `${path}/resources`)).json.resources as Json[]).map((r) => [r.resource_name, r]),
    );
  const settled = async (action: string) => {
    await until(`${action} to end`, async () => (await stack()).stack_status !== `${action}_IN_PROGRESS`);
    return stack();
  };

  /** One os-collect-config cycle, as the machine's service runs it (command = os-refresh-config). */
  const collect = async () => {
    const child = spawn(
      join(ROOT, 'bin/os-collect-config'),
      ['--one-time', '--config-file', join(dir, 'occ.conf')],
      {
        env: {
          ...process.env,
          PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`,
          OS_REFRESH_CONFIG_BASE_DIR: join(dir, 'orc'),
          HEAT_SHELL_CONFIG: join(dir, 'root/var/run/heat-config/heat-config'),
          HEAT_CONFIG_DEPLOYED: join(dir, 'deployed'),
          HEAT_CONFIG_HOOKS: join(dir, 'hooks'),
          HEAT_SCRIPT_WORKING: join(dir, 'script-working'),
          HEAT_SCRIPT_OUTPUTS: join(dir, 'script-outputs'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const [code] = await once(child, 'exit');
    return { code: code as number, out };
  };

  before(async () => {
    lab = await startServerLab({}, ['orchestration', 'orchestration-cfn']);
    dir = mkdtempSync(join(tmpdir(), 'ooo-heat-compute-'));
    images = [await lab.image(dir, 'heat-img-a', 2), await lab.image(dir, 'heat-img-b', 2)];
    await lab.simNodes(['hm-0'], 0x0300);
    const who = (await (
      await fetch(`${lab.seed.authUrl}/auth/tokens`, {
        headers: { 'x-auth-token': lab.admin, 'x-subject-token': lab.admin },
      })
    ).json()) as Json;
    heat = `${lab.seed.urls.orchestration}/v1/${who.token.project.id}`;
    // The machine's files: os-apply-config templates, the os-refresh-config phases, the script hook.
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
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('create: the server is deployed on a sim node; the machine collects, applies, signals', async () => {
    const created = await call('POST', '/stacks', {
      stack_name: 'bm',
      template: TEMPLATE,
      disable_rollback: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    stackPath = `/stacks/bm/${created.json.stack.id}`;
    await until('the server and the waiting deployments', async () => {
      const st = await stack();
      if (st.stack_status === 'CREATE_FAILED') {
        const nodes = (await lab.ironic('GET', '/v1/nodes?detail=true')).body.nodes;
        throw new Error(
          `${st.stack_status_reason}\nnodes: ${JSON.stringify(nodes.map((n: Json) => [n.name, n.provision_state, n.resource_class, n.maintenance, n.instance_uuid]))}`,
        );
      }
      const rs = await resources();
      if (rs.server?.resource_status === 'CREATE_FAILED') throw new Error(rs.server.resource_status_reason);
      return (
        rs.server?.resource_status === 'CREATE_COMPLETE' &&
        rs.app_deployment?.resource_status === 'CREATE_IN_PROGRESS' &&
        rs.script_deployment?.resource_status === 'CREATE_IN_PROGRESS'
      );
    });
    serverId = (await resources()).server.physical_resource_id;
    const server = (await lab.nova('GET', `/servers/${serverId}`)).body.server;
    assert.equal(server.status, 'ACTIVE');
    nodeId = server['OS-EXT-SRV-ATTR:hypervisor_hostname'];
    const node = (await lab.ironic('GET', `/v1/nodes/${nodeId}`)).body;
    assert.equal(node.name, 'hm-0');
    assert.equal(node.instance_uuid, serverId);
    assert.equal(node.provision_state, 'active');
    assert.equal(node.instance_info.image_source, images[0].id);
    // What cloud-init reads from the metadata service: the user data's cfn-init-data part.
    const ip = (await lab.neutron(`/v2.0/ports?device_id=${serverId}`)).ports[0].fixed_ips[0].ip_address;
    const ud = await fetch(`${lab.seed.urls['compute-metadata']}/latest/user-data`, {
      headers: { 'x-forwarded-for': ip },
    });
    assert.equal(ud.status, 200);
    const part = /filename="cfn-init-data"\n\n(.*)\n/.exec(await ud.text())?.[1] as string;
    const occ = JSON.parse(part)['os-collect-config'];
    assert.equal(occ.cfn.path, 'server.Metadata');
    writeFileSync(
      join(dir, 'occ.conf'),
      [
        '[DEFAULT]',
        `command = os-refresh-config --lockfile ${join(dir, 'orc.lock')}`,
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
    assert.equal(run.code, 0, run.out);
    const s = await settled('CREATE');
    assert.equal(s.stack_status, 'CREATE_COMPLETE', s.stack_status_reason);
    assert.equal(readFileSync(join(dir, 'root/etc/app.conf'), 'utf8'), 'greeting=hello\n');
    const out = Object.fromEntries((s.outputs as Json[]).map((o) => [o.output_key, o.output_value]));
    assert.equal(out.stdout, 'ran with code 0\n');
    assert.equal(out.address, ip);
  });

  test('an image change with REBUILD_PRESERVE_EPHEMERAL rebuilds the same server, data kept', async () => {
    const upd = await call('PATCH', stackPath, { parameters: { image: 'heat-img-b' } });
    assert.equal(upd.status, 202, JSON.stringify(upd.json));
    const s = await settled('UPDATE');
    assert.equal(s.stack_status, 'UPDATE_COMPLETE', s.stack_status_reason);
    assert.equal((await resources()).server.physical_resource_id, serverId, 'not replaced');
    const server = (await lab.nova('GET', `/servers/${serverId}`)).body.server;
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server.image.id, images[1].id);
    const actions = (await lab.nova('GET', `/servers/${serverId}/os-instance-actions`)).body.instanceActions;
    assert.deepEqual(actions.map((a: Json) => a.action).sort(), ['create', 'rebuild']);
    const node = (await lab.ironic('GET', `/v1/nodes/${nodeId}`)).body;
    assert.equal(node.instance_uuid, serverId);
    assert.equal(node.instance_info.image_source, images[1].id);
    assert.equal(node.instance_info.preserve_ephemeral, true);
  });

  test('a script exiting 1 fails the update with its stderr, without touching the server', async () => {
    const upd = await call('PATCH', stackPath, { parameters: { code: 1 } });
    assert.equal(upd.status, 202, JSON.stringify(upd.json));
    await until('the script deployment to wait again', async () => {
      if ((await stack()).stack_status !== 'UPDATE_IN_PROGRESS') throw new Error('the update ended early');
      return (await resources()).script_deployment?.resource_status === 'UPDATE_IN_PROGRESS';
    });
    const run = await collect();
    assert.equal(run.code, 0, run.out);
    const s = await settled('UPDATE');
    assert.equal(s.stack_status, 'UPDATE_FAILED');
    assert.match(s.stack_status_reason, /Deployment exited with non-zero status code: 1/);
    assert.match(s.stack_status_reason, /the script says no/);
    const actions = (await lab.nova('GET', `/servers/${serverId}/os-instance-actions`)).body.instanceActions;
    assert.equal(actions.length, 2, 'no further rebuild');
  });

  test('OS::Nova::KeyPair and OS::Nova::Flavor: made through compute, specs in place, deleted', async () => {
    const template = {
      heat_template_version: '2016-10-14',
      resources: {
        key: { type: 'OS::Nova::KeyPair', properties: { name: 'heat-key', save_private_key: true } },
        flavor: {
          type: 'OS::Nova::Flavor',
          properties: {
            name: 'heat-flavor',
            ram: 1024,
            vcpus: 1,
            disk: 1,
            extra_specs: { 'resources:VCPU': 0, 'resources:CUSTOM_BAREMETAL': 1 } as Json,
          },
        },
      },
      outputs: {
        private: { value: { get_attr: ['key', 'private_key'] } },
        public: { value: { get_attr: ['key', 'public_key'] } },
        flavor: { value: { get_resource: 'flavor' } },
      },
    };
    const created = await call('POST', '/stacks', { stack_name: 'nova-things', template });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const path = `/stacks/nova-things/${created.json.stack.id}`;
    const view = async () => (await call('GET', path)).json.stack as Json;
    await until('CREATE to end', async () => (await view()).stack_status !== 'CREATE_IN_PROGRESS');
    let st = await view();
    assert.equal(st.stack_status, 'CREATE_COMPLETE', st.stack_status_reason);
    const out = Object.fromEntries((st.outputs as Json[]).map((o: Json) => [o.output_key, o.output_value]));
    assert.match(out.private, /PRIVATE KEY/);
    const key = (await lab.nova('GET', '/os-keypairs/heat-key')).body.keypair;
    assert.equal(key.public_key, out.public);
    const flavor = (await lab.nova('GET', `/flavors/${out.flavor}`)).body.flavor;
    assert.equal(flavor.name, 'heat-flavor');
    assert.deepEqual((await lab.nova('GET', `/flavors/${out.flavor}/os-extra_specs`)).body.extra_specs, {
      'resources:VCPU': '0',
      'resources:CUSTOM_BAREMETAL': '1',
    });
    // The private key is masked where Heat's views show attributes.
    const shown = (await call('GET', `${path}/resources/key`)).json.resource;
    assert.notEqual(shown.attributes.private_key, out.private);
    // Extra specs update in place: the same flavor, the specs exactly the new ones.
    template.resources.flavor.properties.extra_specs = { 'resources:CUSTOM_GOLD': 1 };
    assert.equal((await call('PUT', path, { template })).status, 202);
    await until('UPDATE to end', async () => (await view()).stack_status !== 'UPDATE_IN_PROGRESS');
    st = await view();
    assert.equal(st.stack_status, 'UPDATE_COMPLETE', st.stack_status_reason);
    assert.equal((await resources2(path)).flavor.physical_resource_id, out.flavor);
    assert.deepEqual((await lab.nova('GET', `/flavors/${out.flavor}/os-extra_specs`)).body.extra_specs, {
      'resources:CUSTOM_GOLD': '1',
    });
    assert.equal((await call('DELETE', path)).status, 204);
    await until('the stack to go', async () => {
      const x = await call('GET', path);
      return x.status === 404 || x.json.stack?.stack_status === 'DELETE_COMPLETE';
    });
    assert.equal((await lab.nova('GET', '/os-keypairs/heat-key')).status, 404);
    assert.equal((await lab.nova('GET', `/flavors/${out.flavor}`)).status, 404);
  });

  test('delete: the server goes through compute and the node is available again', async () => {
    assert.equal((await call('DELETE', stackPath)).status, 204);
    await until('the stack to go', async () => {
      const x = await call('GET', stackPath);
      if (x.json.stack?.stack_status === 'DELETE_FAILED') throw new Error(x.json.stack.stack_status_reason);
      return x.status === 404 || x.json.stack?.stack_status === 'DELETE_COMPLETE';
    });
    assert.equal((await lab.nova('GET', `/servers/${serverId}`)).status, 404);
    await until('the node to be cleaned', async () => {
      const n = (await lab.ironic('GET', `/v1/nodes/${nodeId}`)).body;
      return n.provision_state === 'available' && n.instance_uuid === null;
    });
  });
});
