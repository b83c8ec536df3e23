// OS::Nova::Server over a test double of the compute client: user data per format, the server's
// credentials and metadata, image updates by policy (rebuild keeping the ephemeral partition, or
// replace), metadata updated in place, a failed build, and delete.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import type { IdentityClient } from '../../src/identity/client.ts';
import type { Entity, IdentityDirectory } from '../../src/identity/directory-client.ts';
import { orchestrationMigrations } from '../../src/orchestration/store/migrations.ts';
import { HeatStore } from '../../src/orchestration/store/stacks.ts';
import { deliveredMetadata } from '../../src/orchestration/worker/delivered-metadata.ts';
import { Engine } from '../../src/orchestration/worker/engine.ts';
import { PluginRegistry, pluginsFor } from '../../src/orchestration/worker/resources/registry.ts';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { ComputeDouble } from '../support/compute-double.ts';
import { CREATE_OPTS, input, statuses } from './helpers.ts';

const CALLER = { projectId: 'p1', userId: 'u1', token: 'user-token' };
const IMAGE_A = '11111111-1111-4111-8111-111111111111';
const IMAGE_B = '22222222-2222-4222-8222-222222222222';

// What each test's setup opened, closed after the test whether it passed or not: the engine stopped first
// (nothing left running on the database), then the database and the key directory.
const opened: { engine: Engine; db: Database; dir: string }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.engine.stop();
    await o.db.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

async function setup(identity?: IdentityClient) {
  const db = openDatabase(':memory:');
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'orchestration', orchestrationMigrations);
  const dir = mkdtempSync(join(tmpdir(), 'ooo-nova-test-'));
  const store = new HeatStore(db, openSecretBox(dir));
  const compute = new ComputeDouble();
  const clients = { compute, ...(identity ? { identity } : {}) };
  const engine = new Engine({
    ctx: { log: silentLogger(), signal: new AbortController().signal },
    db,
    store,
    leases: new Leases(db),
    registry: new PluginRegistry(pluginsFor(clients)),
    clients,
    region: 'RegionOne',
    cfnUrl: () => 'http://192.0.2.1:8000/v1/',
    authUrl: () => 'http://192.0.2.1:5000/v3',
  });
  opened.push({ engine, db, dir });
  const run = async (fn: () => Promise<unknown>) => {
    await fn();
    await engine.idle();
  };
  return { db, store, compute, engine, run, done: () => rmSync(dir, { recursive: true, force: true }) };
}

// biome-ignore lint/suspicious/noExplicitAny: test templates are free-form JSON
const server = (props: any) => ({
  heat_template_version: '2016-10-14',
  resources: { s: { type: 'OS::Nova::Server', properties: { flavor: 'small', image: IMAGE_A, ...props } } },
  outputs: {
    ip: { value: { get_attr: ['s', 'first_address'] } },
    nets: { value: { get_attr: ['s', 'networks'] } },
  },
});

test('SOFTWARE_CONFIG: credentials sealed, metadata block, cfn-init-data in the user data', async () => {
  const { store, compute, engine, db, done } = await setup();
  const st = await engine.create(
    CALLER,
    'web',
    input(
      server({
        user_data_format: 'SOFTWARE_CONFIG',
        user_data: '#!/bin/sh\necho hi\n',
        networks: [{ network: '33333333-3333-4333-8333-333333333333' }],
      }),
    ),
    CREATE_OPTS,
  );
  await engine.idle();
  assert.deepEqual(await statuses(store, st.id), { s: 'CREATE_COMPLETE' });
  const nova = [...compute.servers.values()][0];
  assert.ok(nova);
  assert.deepEqual(compute.calls[0]?.split(' ').at(-1), 'token=user-token');
  assert.match(nova.userData ?? '', /Content-Type: text\/x-shellscript[\s\S]*echo hi/);
  assert.match(nova.userData ?? '', /filename="cfn-metadata-server"\n\nhttp:\/\/192\.0\.2\.1:8000\/v1\//);
  const row = await store.resource(st.id, 's');
  assert.ok(row);
  const md = await deliveredMetadata(store, row, { maskSecrets: false });
  // biome-ignore lint/suspicious/noExplicitAny: metadata is free-form
  const cfn = (md['os-collect-config'] as any).cfn;
  assert.equal(cfn.metadata_url, 'http://192.0.2.1:8000/v1/');
  assert.equal(cfn.path, 's.Metadata');
  assert.equal(cfn.stack_name, 'web');
  const key = await store.credentials.get(cfn.access_key_id);
  assert.equal(key?.secret, cfn.secret_access_key);
  // At rest the secret is sealed: neither the key table nor the resource row holds it in clear.
  const raw =
    JSON.stringify(await db.all('SELECT * FROM heat_access_keys')) +
    JSON.stringify(await db.all('SELECT * FROM heat_resources'));
  assert.ok(!raw.includes(cfn.secret_access_key));
  assert.deepEqual(
    (await engine.outputs((await store.getStack(st.id))!)).map((o) => o.output_value),
    ['192.0.2.10', { 'net-33333333-3333-4333-8333-333333333333': ['192.0.2.10'] }],
  );
  done();
});

test('RAW user data goes as it is; metadata updates in place; image updates rebuild or replace by policy', async () => {
  const { store, compute, engine, done } = await setup();
  const v1 = server({
    user_data_format: 'RAW',
    user_data: 'raw-data',
    metadata: { role: 'a' },
    image_update_policy: 'REBUILD_PRESERVE_EPHEMERAL',
  });
  const st = await engine.create(CALLER, 'db', input(v1), CREATE_OPTS);
  await engine.idle();
  const id = (await store.resource(st.id, 's'))?.physicalId as string;
  assert.equal(compute.servers.get(id)?.userData, 'raw-data');
  const fresh = async () => (await store.getStack(st.id))!;
  await engine.update(
    CALLER,
    await fresh(),
    input(server({ ...v1.resources.s.properties, image: IMAGE_B, metadata: { role: 'b' } })),
    {},
  );
  await engine.idle();
  assert.equal((await fresh()).status, 'COMPLETE', (await fresh()).statusReason);
  assert.equal((await store.resource(st.id, 's'))?.physicalId, id, 'rebuilt in place, not replaced');
  assert.deepEqual(compute.servers.get(id)?.rebuilds, [{ imageRef: IMAGE_B, preserve_ephemeral: true }]);
  assert.deepEqual(compute.servers.get(id)?.metadata, { role: 'b' });
  await engine.update(
    CALLER,
    await fresh(),
    input(
      server({
        ...v1.resources.s.properties,
        image: IMAGE_A,
        metadata: { role: 'b' },
        image_update_policy: 'REPLACE',
        user_data_format: 'SOFTWARE_CONFIG',
      }),
    ),
    {},
  );
  await engine.idle();
  const replaced = (await store.resource(st.id, 's'))?.physicalId as string;
  assert.notEqual(replaced, id);
  // The replacement keeps its own key; only the old server's went.
  const newRow = (await store.resource(st.id, 's'))!;
  const newMd = await deliveredMetadata(store, newRow, { maskSecrets: false });
  // biome-ignore lint/suspicious/noExplicitAny: metadata is free-form
  const newKey = (newMd['os-collect-config'] as any)?.cfn?.access_key_id;
  assert.ok(newKey && (await store.credentials.get(newKey)));
  assert.equal(compute.servers.has(id), false, 'the old server was deleted');
  await engine.delete(CALLER, await fresh());
  await engine.idle();
  assert.equal(compute.servers.size, 0);
  done();
});

test('a build that goes to ERROR fails the resource with Nova’s fault, and the server is removed', async () => {
  const { store, compute, engine, done } = await setup();
  const st = await engine.create(
    CALLER,
    'bad',
    input(server({ image: 'broken', user_data_format: 'RAW' })),
    CREATE_OPTS,
  );
  await engine.idle();
  const s = (await store.getStack(st.id))!;
  assert.equal(`${s.action}_${s.status}`, 'CREATE_FAILED');
  assert.match(s.statusReason, /Went to status ERROR due to "No valid host was found\."/);
  assert.equal(compute.servers.size, 0);
  const unknown = await engine.create(
    CALLER,
    'bad2',
    input(server({ flavor: 'huge', user_data_format: 'RAW' })),
    CREATE_OPTS,
  );
  await engine.idle();
  assert.match((await store.getStack(unknown.id))!.statusReason, /Flavor huge could not be found/);
  done();
});

test('without a user token the server is refused with a clear reason; unknown transports at validate time', async () => {
  const { store, engine, done } = await setup();
  const st = await engine.create(
    { projectId: 'p1', userId: 'u1' },
    'tokenless',
    input(server({ user_data_format: 'RAW' })),
    CREATE_OPTS,
  );
  await engine.idle();
  assert.match((await store.getStack(st.id))!.statusReason, /acts with the user’s token/);
  assert.throws(
    () => engine.prepare(input(server({ software_config_transport: 'ZAQAR_MESSAGE' }))),
    /ZAQAR_MESSAGE/,
  );
  done();
});

/** The parts of a multipart user data document, by filename: [content type, body]. */
function partsOf(ud: string): Record<string, [string, string]> {
  const boundary = /boundary="([^"]+)"/.exec(ud)?.[1] as string;
  const out: Record<string, [string, string]> = {};
  for (const chunk of ud.split(`--${boundary}`).slice(1, -1)) {
    const [head, ...body] = chunk.replace(/^\n/, '').split('\n\n');
    const name = /filename="([^"]+)"/.exec(head ?? '')?.[1] as string;
    out[name] = [
      /Content-Type: ([^;]+)/.exec(head ?? '')?.[1] as string,
      body.join('\n\n').replace(/\n$/, ''),
    ];
  }
  return out;
}

test('OS::Nova::ServerGroup: made through compute, its id as the server’s scheduler hint, policy shapes', async () => {
  const { store, compute, engine, done } = await setup();
  const st = await engine.create(
    CALLER,
    'grouped',
    input({
      heat_template_version: '2016-10-14',
      resources: {
        g: { type: 'OS::Nova::ServerGroup', properties: { name: 'spread', policies: ['anti-affinity'] } },
        h: {
          type: 'OS::Nova::ServerGroup',
          properties: { policy: 'anti-affinity', rules: { max_server_per_host: 2 } },
        },
        s: {
          type: 'OS::Nova::Server',
          properties: {
            flavor: 'small',
            image: IMAGE_A,
            user_data_format: 'RAW',
            scheduler_hints: { group: { get_resource: 'g' } },
          },
        },
      },
      outputs: { group: { value: { get_resource: 'g' } } },
    }),
    CREATE_OPTS,
  );
  await engine.idle();
  assert.deepEqual(await statuses(store, st.id), {
    g: 'CREATE_COMPLETE',
    h: 'CREATE_COMPLETE',
    s: 'CREATE_COMPLETE',
  });
  const groups = [...compute.groups.values()];
  const g = groups.find((x) => x.name === 'spread');
  assert.deepEqual(g?.policies, ['anti-affinity']);
  const h = groups.find((x) => x.name === 'grouped-h');
  assert.equal(h?.policy, 'anti-affinity');
  assert.deepEqual(h?.rules, { max_server_per_host: 2 });
  assert.deepEqual([...compute.servers.values()][0]?.hints, { group: g?.id });
  const [out] = await engine.outputs((await store.getStack(st.id))!);
  assert.equal(out?.output_value, g?.id);
  assert.throws(
    () =>
      engine.prepare(
        input({
          heat_template_version: '2016-10-14',
          resources: { g: { type: 'OS::Nova::ServerGroup', properties: { policies: ['sideways'] } } },
        }),
      ),
    /sideways/,
  );
  // stack check asks Nova for the group: gone behind Heat's back, the check fails and says so.
  compute.groups.delete(String(h?.id));
  await engine.check(CALLER, (await store.getStack(st.id))!);
  await engine.idle();
  const checked = (await store.getStack(st.id))!;
  assert.equal(`${checked.action}_${checked.status}`, 'CHECK_FAILED');
  assert.match(checked.statusReason, /Server group .* not found/);
  await engine.delete(CALLER, (await store.getStack(st.id))!);
  await engine.idle();
  assert.equal(compute.groups.size, 0);
  assert.equal(compute.servers.size, 0);
  done();
});

const EC2 = (meta: string, tags: string) => ({
  HeatTemplateFormatVersion: '2012-12-12',
  Resources: {
    Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: 'u' } },
    Box: {
      Type: 'AWS::EC2::Instance',
      Metadata: {
        app: { greeting: meta },
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
        ImageId: IMAGE_A,
        InstanceType: 'small',
        KeyName: 'k',
        UserData: { 'Fn::Base64': '#!/bin/sh\necho boot\n' },
        Tags: [{ Key: 'role', Value: tags }],
        NovaSchedulerHints: [{ Key: 'group', Value: 'g-1' }],
        NetworkInterfaces: [
          { NetworkInterfaceId: 'port-b', DeviceIndex: '1' },
          { NetworkInterfaceId: 'port-a', DeviceIndex: '0' },
        ],
        SecurityGroups: ['default'],
      },
    },
  },
  Outputs: {
    ip: { Value: { 'Fn::GetAtt': ['Box', 'PublicIp'] } },
    private: { Value: { 'Fn::GetAtt': ['Box', 'PrivateIp'] } },
    dns: { Value: { 'Fn::GetAtt': ['Box', 'PrivateDnsName'] } },
  },
});

test('AWS::EC2::Instance: heat-cfntools user data with the Metadata, attributes, tags and metadata in place', async () => {
  const { store, compute, engine, done } = await setup();
  const st = await engine.create(CALLER, 'ec2', input(EC2('hello', 'a')), CREATE_OPTS);
  await engine.idle();
  const s = (await store.getStack(st.id))!;
  assert.equal(`${s.action}_${s.status}`, 'CREATE_COMPLETE', s.statusReason);
  const nova = [...compute.servers.values()][0];
  assert.ok(nova);
  assert.equal(nova.name, 'ec2-Box');
  assert.deepEqual(nova.metadata, { role: 'a' });
  assert.deepEqual(nova.hints, { group: 'g-1' });
  // DeviceIndex orders the ports: port-a is the first address.
  assert.deepEqual(Object.keys(nova.addresses), ['port-port-a', 'port-port-b']);
  const parts = partsOf(nova.userData ?? '');
  assert.deepEqual(Object.keys(parts), [
    'cloud-config',
    'boothook.sh',
    'part-handler.py',
    'cfn-userdata',
    'loguserdata.py',
    'cfn-init-data',
    'cfn-metadata-server',
    'cfn-boto-cfg',
  ]);
  assert.equal(parts['cfn-userdata']?.[0], 'text/x-cfninitdata');
  assert.equal(parts['cfn-userdata']?.[1], '#!/bin/sh\necho boot\n');
  assert.equal(parts['part-handler.py']?.[0], 'text/part-handler');
  assert.match(parts['cloud-config']?.[1] ?? '', /^#cloud-config\nuser: ec2-user/);
  assert.equal(parts['cfn-metadata-server']?.[1], 'http://192.0.2.1:8000');
  assert.match(parts['cfn-boto-cfg']?.[1] ?? '', /cfn_region_endpoint = 192\.0\.2\.1/);
  const init = JSON.parse(parts['cfn-init-data']?.[1] ?? '{}');
  assert.equal(init.app.greeting, 'hello');
  const key = await store.credentials.get(init['os-collect-config'].cfn.access_key_id);
  assert.equal(key?.secret, init['os-collect-config'].cfn.secret_access_key);
  assert.deepEqual(
    (await engine.outputs(s)).map((o) => o.output_value),
    ['192.0.2.10', '192.0.2.10', '192.0.2.10'],
  );
  const id = (await store.resource(st.id, 'Box'))?.physicalId;
  // Tags and Metadata change in place: the same server, Nova's metadata and the served Metadata new.
  await engine.update(CALLER, (await store.getStack(st.id))!, input(EC2('bonjour', 'b')), {});
  await engine.idle();
  const after = (await store.getStack(st.id))!;
  assert.equal(`${after.action}_${after.status}`, 'UPDATE_COMPLETE', after.statusReason);
  const row = (await store.resource(st.id, 'Box'))!;
  assert.equal(row.physicalId, id);
  assert.deepEqual(compute.servers.get(String(id))?.metadata, { role: 'b' });
  const served = await deliveredMetadata(store, row, { maskSecrets: false });
  assert.deepEqual(served.app, { greeting: 'bonjour' });
  // Another image replaces it.
  const other = EC2('bonjour', 'b');
  other.Resources.Box.Properties.ImageId = IMAGE_B;
  await engine.update(CALLER, (await store.getStack(st.id))!, input(other), {});
  await engine.idle();
  assert.notEqual((await store.resource(st.id, 'Box'))?.physicalId, id);
  assert.equal(compute.servers.has(String(id)), false);
  await engine.delete(CALLER, (await store.getStack(st.id))!);
  await engine.idle();
  assert.equal(compute.servers.size, 0);
  done();
});

test('AWS::EC2::Instance: security groups other than default and unknown attributes refused at validate time', async () => {
  const { engine, done } = await setup();
  const groups = EC2('x', 'y');
  (groups.Resources.Box.Properties as Record<string, unknown>).SecurityGroups = ['web'];
  assert.throws(() => engine.prepare(input(groups)), /"web" is not an allowed value \[default\]/);
  const attr = EC2('x', 'y');
  (attr.Outputs as Record<string, unknown>).bad = { Value: { 'Fn::GetAtt': ['Box', 'PublicIpv6'] } };
  assert.throws(
    () => engine.prepare(input(attr)),
    /The Referenced Attribute \(Box PublicIpv6\) is incorrect/,
  );
  done();
});

/** Keystone's directory in memory: users and roles made, grants kept; a token other than the owner's is
 * refused user creation as Keystone's policy refuses a member. */
class DirectoryDouble implements IdentityDirectory {
  readonly entities = new Map<string, Entity & { kind: string }>([
    ['p1', { id: 'p1', kind: 'projects', name: 'p', domain_id: 'default' }],
  ]);
  readonly grants: string[] = [];
  #n = 0;
  async create(_ctx: unknown, token: string, kind: string, body: Record<string, unknown>) {
    if (kind === 'users' && token !== 'user-token')
      throw new AppError(
        'FORBIDDEN',
        'You are not authorized to perform the requested action: identity:create_user.',
      );
    const e = { ...body, id: `${kind}-${++this.#n}`, kind };
    this.entities.set(e.id, e);
    return e;
  }
  async update(): Promise<Entity> {
    throw new Error('not used');
  }
  async delete(_ctx: unknown, _token: string, _kind: string, id: string) {
    if (!this.entities.delete(id)) throw new AppError('NOT_FOUND', `Could not find ${id}.`);
  }
  async get(_ctx: unknown, _token: string, _kind: string, id: string) {
    const e = this.entities.get(id);
    if (!e) throw new AppError('NOT_FOUND', `Could not find ${id}.`);
    return e;
  }
  async find(_ctx: unknown, _token: string, kind: string, filter: Record<string, string>) {
    return [...this.entities.values()].filter((e) => e.kind === kind && e.name === filter.name);
  }
  async grant(_ctx: unknown, _token: string, g: { role: string; actor: unknown; target: unknown }) {
    this.grants.push(JSON.stringify(g));
  }
  async revoke() {}
  users = () => [...this.entities.values()].filter((e) => e.kind === 'users');
}

test('POLL_SERVER_HEAT: a stack user with heat_stack_user, the heat block sealed, gone with the server or a failed build', async () => {
  const dirDouble = new DirectoryDouble();
  const { store, compute, engine, db, done } = await setup({
    directory: dirDouble,
  } as unknown as IdentityClient);
  const heatServer = (image: string) =>
    input(
      server({ image, user_data_format: 'SOFTWARE_CONFIG', software_config_transport: 'POLL_SERVER_HEAT' }),
    );
  const st = await engine.create(CALLER, 'polled', heatServer(IMAGE_A), CREATE_OPTS);
  await engine.idle();
  assert.deepEqual(await statuses(store, st.id), { s: 'CREATE_COMPLETE' });
  const [user] = dirDouble.users();
  assert.ok(user);
  assert.equal(user.default_project_id, 'p1');
  assert.equal(user.domain_id, 'default');
  const role = [...dirDouble.entities.values()].find((e) => e.kind === 'roles');
  assert.equal(role?.name, 'heat_stack_user');
  assert.deepEqual(
    dirDouble.grants.map((g) => JSON.parse(g)),
    [{ role: role?.id, actor: { users: user.id }, target: { projects: 'p1' } }],
  );
  const parts = partsOf([...compute.servers.values()][0]?.userData ?? '');
  assert.equal(parts['cfn-metadata-server'], undefined, 'no CFN endpoint for a Heat-polling server');
  const occ = JSON.parse(parts['cfn-init-data']?.[1] ?? '{}')['os-collect-config'];
  assert.deepEqual(occ.collectors, ['ec2', 'heat', 'local']);
  assert.deepEqual(
    { ...occ.heat, password: typeof occ.heat.password },
    {
      auth_url: 'http://192.0.2.1:5000/v3',
      user_id: user.id,
      password: 'string',
      project_id: 'p1',
      stack_id: `polled/${st.id}`,
      resource_name: 's',
      region_name: 'RegionOne',
    },
  );
  assert.equal(user.password, occ.heat.password);
  // The password is sealed at rest; the attribute and the Heat API's view mask it.
  assert.ok(!JSON.stringify(await db.all('SELECT * FROM heat_resources')).includes(occ.heat.password));
  const row = (await store.resource(st.id, 's'))!;
  const view = await deliveredMetadata(store, row, { maskSecrets: true });
  type Occ = { heat: { password: string } };
  assert.equal((view['os-collect-config'] as Occ).heat.password, '******');
  assert.equal((row.attributes.os_collect_config as Occ).heat.password, '******');
  await engine.delete(CALLER, (await store.getStack(st.id))!);
  await engine.idle();
  assert.deepEqual(dirDouble.users(), []);
  // A build that fails takes its stack user with it; a member is refused by Keystone, and no server is made.
  const broken = await engine.create(CALLER, 'broken', heatServer('broken'), CREATE_OPTS);
  await engine.idle();
  assert.match((await store.getStack(broken.id))!.statusReason, /Went to status ERROR/);
  assert.deepEqual(dirDouble.users(), []);
  const member = await engine.create(
    { ...CALLER, token: 'member-token' },
    'member',
    heatServer(IMAGE_A),
    CREATE_OPTS,
  );
  await engine.idle();
  assert.match(
    (await store.getStack(member.id))!.statusReason,
    /not authorized to perform the requested action: identity:create_user/,
  );
  assert.equal(compute.servers.size, 0);
  done();
});
