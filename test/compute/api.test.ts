// The compute API in-process on both engines: discovery and microversions, Nova's error bodies, policy,
// flavors, keypairs, quotas and limits, zones, hypervisors (through a stand-in bare metal API) and groups.

import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HttpBaremetalClient } from '../../src/baremetal/http-client.ts';
import { computeService } from '../../src/compute/index.ts';
import { fixedToken } from '../../src/platform/service-auth.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON replies freely
type Json = any;

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtX6gTx2bW2Ho2vIMeV3j3Pq8zQn3ULnJPaKTJy2y1H me@host';

/** A stand-in for the bare metal service's node listing (the seam compute reads hypervisors through). */
function fakeIronic(
  nodes: Record<string, unknown>[],
): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['x-auth-token']} ${req.headers['x-openstack-ironic-api-version']}`);
    res.setHeader('content-type', 'application/json');
    // Two pages, as Ironic pages with a `next` link.
    const second = req.url?.includes('marker=');
    const page = second ? nodes.slice(1) : nodes.slice(0, 1);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.end(JSON.stringify({ nodes: page, ...(second ? {} : { next: `${base}/v1/nodes/detail?marker=x` }) }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }),
    ),
  );
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`compute API in-process [${engine}]`, {
    skip: engine === 'postgres' ? postgresUnavailable() : undefined,
  }, () => {
    let svc: TestServiceApp;
    let pg: TestPostgres | undefined;
    let ironic: Awaited<ReturnType<typeof fakeIronic>>;
    const call = async (
      token: string,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      payload?: unknown,
      mv?: string,
    ) => {
      const res = await svc.app.inject({
        method,
        url,
        headers: { ...svc.as(token), ...(mv ? { 'openstack-api-version': `compute ${mv}` } : {}) },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: (res.body ? JSON.parse(res.body) : {}) as Json,
      };
    };

    before(async () => {
      pg = engine === 'postgres' ? await startPostgres() : undefined;
      ironic = await fakeIronic([
        {
          uuid: '11111111-1111-4111-8111-111111111111',
          name: 'n1',
          maintenance: false,
          instance_uuid: null,
          properties: { cpus: 4, memory_mb: 8192, local_gb: 100 },
        },
        {
          uuid: '22222222-2222-4222-8222-222222222222',
          name: 'n2',
          maintenance: true,
          instance_uuid: 'abc',
          properties: { cpus: '2', memory_mb: '4096', local_gb: '50' },
        },
      ]);
      svc = await startServiceApp(computeService, {
        databaseUrl: pg && createDatabase(pg.url, `cmp_${randomBytes(4).toString('hex')}`),
        settings: { quotaDefaults: { key_pairs: 3, server_groups: 2 } },
        // The bare metal client as the compute service's own user (here a fixed token), over HTTP.
        clients: {
          baremetal: { connect: () => new HttpBaremetalClient(ironic.url, fixedToken('compute-svc')) },
        },
      });
    });
    after(async () => {
      await svc?.close();
      ironic?.server.close();
      pg?.stop();
    });

    test('discovery, microversion headers, 400/406 and Nova error bodies', async () => {
      const root = await svc.app.inject({ method: 'GET', url: '/' });
      const v = root.json().versions[0];
      assert.deepEqual([v.id, v.min_version, v.version], ['v2.1', '2.1', '2.79']);
      const one = await svc.app.inject({ method: 'GET', url: '/v2.1/' });
      assert.equal(one.json().version.id, 'v2.1');
      const plain = await call('member', 'GET', '/v2.1/flavors');
      assert.equal(plain.headers['x-openstack-nova-api-version'], '2.1');
      assert.match(String(plain.headers.vary), /OpenStack-API-Version/);
      const latest = await call('member', 'GET', '/v2.1/flavors', undefined, 'latest');
      assert.equal(latest.headers['openstack-api-version'], 'compute 2.79');
      const high = await call('member', 'GET', '/v2.1/flavors', undefined, '2.80');
      assert.equal(high.status, 406);
      assert.equal(high.body.computeFault.code, 406);
      assert.equal(
        (await call('member', 'GET', '/v2.1/flavors', undefined, '2.x')).body.badRequest.code,
        400,
      );
      const missing = await call('member', 'GET', '/v2.1/flavors/nope');
      assert.deepEqual(missing.body, {
        itemNotFound: { code: 404, message: 'Flavor nope could not be found.' },
      });
      const noToken = await svc.app.inject({ method: 'GET', url: '/v2.1/flavors' });
      assert.equal(noToken.statusCode, 401);
      assert.equal(noToken.json().unauthorized.code, 401);
      const denied = await call('member', 'POST', '/v2.1/flavors', {
        flavor: { name: 'x', ram: 1, vcpus: 1, disk: 0 },
      });
      assert.equal(denied.status, 403);
      assert.match(denied.body.forbidden.message, /os_compute_api:flavors:create/);
    });

    test('flavors: create, shapes by version, extra specs, visibility, access, paging, delete', async () => {
      const made = await call(
        'admin',
        'POST',
        '/v2.1/flavors',
        {
          flavor: {
            name: 'bm',
            ram: 4096,
            vcpus: 2,
            disk: 40,
            id: null,
            swap: 0,
            'OS-FLV-EXT-DATA:ephemeral': 10,
            'os-flavor-access:is_public': true,
            rxtx_factor: 1.0,
          },
        },
        '2.61',
      );
      assert.equal(made.status, 200);
      const id = made.body.flavor.id;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(made.body.flavor.swap, '');
      assert.deepEqual(made.body.flavor.extra_specs, {});
      const specs = await call('admin', 'POST', `/v2.1/flavors/${id}/os-extra_specs`, {
        extra_specs: {
          'resources:CUSTOM_BAREMETAL': '1',
          'resources:VCPU': '0',
          'capabilities:profile': 'control',
        },
      });
      assert.equal(specs.body.extra_specs['resources:VCPU'], '0');
      assert.deepEqual(
        (await call('member', 'GET', `/v2.1/flavors/${id}/os-extra_specs/resources:VCPU`)).body,
        {
          'resources:VCPU': '0',
        },
      );
      const put = await call('admin', 'PUT', `/v2.1/flavors/${id}/os-extra_specs/capabilities:profile`, {
        'capabilities:profile': 'compute',
      });
      assert.deepEqual(put.body, { 'capabilities:profile': 'compute' });
      assert.equal(
        (await call('admin', 'PUT', `/v2.1/flavors/${id}/os-extra_specs/a`, { b: '1' })).status,
        400,
      );
      assert.equal(
        (await call('admin', 'DELETE', `/v2.1/flavors/${id}/os-extra_specs/resources:VCPU`)).status,
        200,
      );
      assert.equal(
        (await call('admin', 'DELETE', `/v2.1/flavors/${id}/os-extra_specs/resources:VCPU`)).status,
        404,
      );
      // Shapes: 2.1 has no description/extra_specs; 2.61 has both; 2.75 shows swap 0.
      const at1 = (await call('member', 'GET', `/v2.1/flavors/${id}`)).body.flavor;
      assert.ok(!('extra_specs' in at1) && !('description' in at1));
      const at61 = (await call('member', 'GET', `/v2.1/flavors/${id}`, undefined, '2.61')).body.flavor;
      assert.deepEqual(at61.extra_specs, {
        'resources:CUSTOM_BAREMETAL': '1',
        'capabilities:profile': 'compute',
      });
      assert.equal(at61.description, null);
      assert.equal(
        (await call('member', 'GET', `/v2.1/flavors/${id}`, undefined, '2.75')).body.flavor.swap,
        0,
      );
      const desc = await call(
        'admin',
        'PUT',
        `/v2.1/flavors/${id}`,
        { flavor: { description: 'bare metal' } },
        '2.55',
      );
      assert.equal(desc.body.flavor.description, 'bare metal');
      assert.equal(
        (await call('admin', 'PUT', `/v2.1/flavors/${id}`, { flavor: { description: 'x' } })).status,
        400,
      );
      // Duplicates conflict.
      const dup = await call('admin', 'POST', '/v2.1/flavors', {
        flavor: { name: 'bm', ram: 1, vcpus: 1, disk: 0 },
      });
      assert.equal(dup.status, 409);
      assert.match(dup.body.conflictingRequest.message, /Flavor with name bm already exists/);
      // A private flavor: admins see it with is_public=None or false; members only once given access.
      const priv = await call('admin', 'POST', '/v2.1/flavors', {
        flavor: { name: 'priv', ram: 512, vcpus: 1, disk: 1, id: 'p1', 'os-flavor-access:is_public': false },
      });
      assert.equal(priv.body.flavor.id, 'p1');
      assert.deepEqual((await call('admin', 'GET', '/v2.1/flavors/p1/os-flavor-access')).body, {
        flavor_access: [],
      });
      assert.equal((await call('admin', 'GET', `/v2.1/flavors/${id}/os-flavor-access`)).status, 404);
      const names = async (token: string, q = '') =>
        (await call(token, 'GET', `/v2.1/flavors/detail${q}`)).body.flavors.map((f: Json) => f.name).sort();
      assert.deepEqual(await names('admin'), ['bm']);
      assert.deepEqual(await names('admin', '?is_public=None'), ['bm', 'priv']);
      assert.deepEqual(await names('admin', '?is_public=false'), ['priv']);
      assert.deepEqual(await names('member', '?is_public=None'), ['bm']);
      assert.equal((await call('member', 'GET', '/v2.1/flavors/p1')).status, 404);
      const add = await call('admin', 'POST', '/v2.1/flavors/p1/action', {
        addTenantAccess: { tenant: 'project-a' },
      });
      assert.ok(add.body.flavor_access.some((a: Json) => a.tenant_id === 'project-a'));
      assert.equal(
        (await call('admin', 'POST', '/v2.1/flavors/p1/action', { addTenantAccess: { tenant: 'project-a' } }))
          .status,
        409,
      );
      assert.deepEqual(await names('member', '?is_public=None'), ['bm', 'priv']);
      assert.equal((await call('member', 'GET', '/v2.1/flavors/p1')).status, 200);
      assert.equal(
        (await call('admin', 'POST', `/v2.1/flavors/${id}/action`, { addTenantAccess: { tenant: 'x' } }))
          .status,
        409,
      );
      await call('admin', 'POST', '/v2.1/flavors/p1/action', { removeTenantAccess: { tenant: 'project-a' } });
      assert.equal((await call('member', 'GET', '/v2.1/flavors/p1')).status, 404);
      // Paging: limit and marker, with flavors_links only on a full page.
      const page1 = await call('admin', 'GET', '/v2.1/flavors?is_public=None&limit=1');
      assert.equal(page1.body.flavors.length, 1);
      assert.match(page1.body.flavors_links[0].href, /marker=/);
      const marker = page1.body.flavors[0].id;
      const page2 = await call('admin', 'GET', `/v2.1/flavors?is_public=None&limit=1&marker=${marker}`);
      assert.notEqual(page2.body.flavors[0].id, marker);
      const page3 = await call(
        'admin',
        'GET',
        `/v2.1/flavors?is_public=None&limit=1&marker=${page2.body.flavors[0].id}`,
      );
      assert.deepEqual(page3.body.flavors, []);
      assert.equal(page3.body.flavors_links, undefined);
      const del = await svc.app.inject({
        method: 'DELETE',
        url: '/v2.1/flavors/p1',
        headers: svc.as('admin'),
      });
      assert.equal(del.statusCode, 202);
      assert.equal(del.headers['content-type'], undefined);
      assert.equal((await call('admin', 'GET', '/v2.1/flavors/p1')).status, 404);
    });

    test('keypairs: 200/202 at 2.1, 201/204 and type from 2.2, user_id for admins, paging, quota', async () => {
      const imported = await call('member', 'POST', '/v2.1/os-keypairs', {
        keypair: { name: 'k1', public_key: ED },
      });
      assert.equal(imported.status, 200);
      assert.equal(imported.body.keypair.fingerprint, 'd1:46:f8:c5:32:f2:1f:cb:ff:de:8d:8e:09:e6:bc:6a');
      assert.equal(imported.body.keypair.user_id, 'alice');
      assert.equal(imported.body.keypair.type, undefined);
      const gen = await call('member', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'k2' } }, '2.2');
      assert.equal(gen.status, 201);
      assert.equal(gen.body.keypair.type, 'ssh');
      assert.match(gen.body.keypair.private_key, /^-----BEGIN RSA PRIVATE KEY-----/);
      assert.match(gen.body.keypair.public_key, /^ssh-rsa AAAA\S+ Generated-by-Nova$/);
      const shown = await call('member', 'GET', '/v2.1/os-keypairs/k2', undefined, '2.2');
      assert.equal(shown.body.keypair.private_key, undefined);
      assert.equal(shown.body.keypair.deleted, false);
      assert.equal(typeof shown.body.keypair.id, 'number');
      const list = await call('member', 'GET', '/v2.1/os-keypairs');
      assert.deepEqual(
        list.body.keypairs.map((k: Json) => k.keypair.name),
        ['k1', 'k2'],
      );
      // Paging from 2.35.
      const p = await call('member', 'GET', '/v2.1/os-keypairs?limit=1', undefined, '2.35');
      assert.deepEqual(
        p.body.keypairs.map((k: Json) => k.keypair.name),
        ['k1'],
      );
      assert.match(p.body.keypairs_links[0].href, /marker=k1/);
      // Another user cannot see them; an admin can, naming the user (2.10+).
      assert.equal((await call('other', 'GET', '/v2.1/os-keypairs/k1')).status, 404);
      assert.equal(
        (await call('other', 'GET', '/v2.1/os-keypairs?user_id=alice', undefined, '2.10')).status,
        403,
      );
      const asAdmin = await call('admin', 'GET', '/v2.1/os-keypairs?user_id=alice', undefined, '2.10');
      assert.equal(asAdmin.body.keypairs.length, 2);
      const forAlice = await call(
        'admin',
        'POST',
        '/v2.1/os-keypairs',
        {
          keypair: { name: 'k3', public_key: ED, user_id: 'alice' },
        },
        '2.10',
      );
      assert.equal(forAlice.body.keypair.user_id, 'alice');
      // x509: generated by openssl (certificate as public_key), fingerprint the SHA-1 of its DER.
      const cert = await call(
        'other',
        'POST',
        '/v2.1/os-keypairs',
        { keypair: { name: 'x', type: 'x509' } },
        '2.2',
      );
      assert.equal(cert.status, 201, JSON.stringify(cert.body));
      assert.match(cert.body.keypair.public_key, /^-----BEGIN CERTIFICATE-----/);
      assert.match(cert.body.keypair.private_key, /-----BEGIN PRIVATE KEY-----/);
      const der = new X509Certificate(cert.body.keypair.public_key).raw;
      const sha1 = createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
      assert.equal(cert.body.keypair.fingerprint, sha1);
      const reimported = await call(
        'other',
        'POST',
        '/v2.1/os-keypairs',
        {
          keypair: { name: 'x2', type: 'x509', public_key: cert.body.keypair.public_key },
        },
        '2.2',
      );
      assert.equal(reimported.body.keypair.fingerprint, sha1);
      const notCert = await call(
        'other',
        'POST',
        '/v2.1/os-keypairs',
        { keypair: { name: 'x3', type: 'x509', public_key: ED } },
        '2.2',
      );
      assert.match(notCert.body.badRequest.message, /failed to read the certificate/);
      // Bad input and the quota (the settings give 3 per user).
      const bad = await call('member', 'POST', '/v2.1/os-keypairs', {
        keypair: { name: 'k4', public_key: 'ssh-rsa AAAA' },
      });
      assert.match(bad.body.badRequest.message, /Keypair data is invalid/);
      assert.equal(
        (await call('member', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'bad/name', public_key: ED } }))
          .status,
        400,
      );
      assert.equal(
        (await call('member', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'k1', public_key: ED } }))
          .status,
        409,
      );
      const over = await call('member', 'POST', '/v2.1/os-keypairs', {
        keypair: { name: 'k4', public_key: ED },
      });
      assert.equal(over.status, 403);
      assert.match(over.body.forbidden.message, /Quota exceeded/);
      assert.equal((await call('member', 'GET', '/v2.1/os-keypairs/k4')).status, 404, 'nothing left behind');
      const del1 = await svc.app.inject({
        method: 'DELETE',
        url: '/v2.1/os-keypairs/k1',
        headers: svc.as('member'),
      });
      assert.equal(del1.statusCode, 202);
      const del2 = await svc.app.inject({
        method: 'DELETE',
        url: '/v2.1/os-keypairs/k2',
        headers: { ...svc.as('member'), 'x-openstack-nova-api-version': '2.2' },
      });
      assert.equal(del2.statusCode, 204);
      assert.equal(del2.body, '');
    });

    test('quotas and limits: show, update by admin only, detail with usage, keys by version, reset', async () => {
      const show = await call('member', 'GET', '/v2.1/os-quota-sets/project-a');
      assert.equal(show.body.quota_set.id, 'project-a');
      assert.equal(show.body.quota_set.instances, 10);
      assert.equal(show.body.quota_set.key_pairs, 3);
      assert.ok('floating_ips' in show.body.quota_set);
      assert.ok(
        !(
          'floating_ips' in
          (await call('member', 'GET', '/v2.1/os-quota-sets/project-a', undefined, '2.36')).body.quota_set
        ),
      );
      assert.equal((await call('other', 'GET', '/v2.1/os-quota-sets/project-a')).status, 403);
      assert.equal(
        (await call('member', 'PUT', '/v2.1/os-quota-sets/project-a', { quota_set: { cores: 1 } })).status,
        403,
      );
      const set = await call('admin', 'PUT', '/v2.1/os-quota-sets/project-a', {
        quota_set: { cores: 100, instances: 50, ram: 1000000 },
      });
      assert.equal(set.status, 200);
      assert.equal(set.body.quota_set.cores, 100);
      // alice holds one key pair (k3): a limit below that is refused unless forced.
      const low = await svc.app.inject({
        method: 'GET',
        url: '/v2.1/os-quota-sets/project-a/detail',
        headers: svc.as('member'),
      });
      assert.deepEqual(low.json().quota_set.key_pairs, { limit: 3, in_use: 1, reserved: 0 });
      // A limit below what the project holds is refused unless forced.
      const g = await call('member', 'POST', '/v2.1/os-server-groups', {
        server_group: { name: 'q', policies: ['affinity'] },
      });
      const under = await call('admin', 'PUT', '/v2.1/os-quota-sets/project-a', {
        quota_set: { server_groups: 0 },
      });
      assert.match(under.body.badRequest.message, /already used and reserved 1/);
      const forced = await call('admin', 'PUT', '/v2.1/os-quota-sets/project-a', {
        quota_set: { server_groups: 0, force: true },
      });
      assert.equal(forced.body.quota_set.server_groups, 0);
      assert.equal(
        (await call('member', 'DELETE', `/v2.1/os-server-groups/${g.body.server_group.id}`)).status,
        204,
      );
      assert.equal(
        (await call('admin', 'PUT', '/v2.1/os-quota-sets/project-a?user_id=x', { quota_set: { cores: 1 } }))
          .status,
        400,
      );
      // Reading a user's quota answers the project's limits (no per-user limits are kept).
      const forUser = await call('member', 'GET', '/v2.1/os-quota-sets/project-a?user_id=alice');
      assert.equal(forUser.body.quota_set.cores, 100);
      const limits = await call('member', 'GET', '/v2.1/limits');
      assert.equal(limits.body.limits.absolute.maxTotalCores, 100);
      assert.equal(limits.body.limits.absolute.totalInstancesUsed, 0);
      assert.deepEqual(limits.body.limits.rate, []);
      const other = await call('admin', 'GET', '/v2.1/limits?tenant_id=project-a');
      assert.equal(other.body.limits.absolute.maxTotalInstances, 50);
      assert.equal((await call('admin', 'DELETE', '/v2.1/os-quota-sets/project-a')).status, 202);
      assert.equal((await call('member', 'GET', '/v2.1/os-quota-sets/project-a')).body.quota_set.cores, 20);
      const defaults = await call('member', 'GET', '/v2.1/os-quota-sets/project-a/defaults');
      assert.equal(defaults.body.quota_set.server_groups, 2);
      // The "default" quota class replaces the defaults for every project without its own limits.
      const cls = await call('admin', 'GET', '/v2.1/os-quota-class-sets/default');
      assert.equal(cls.body.quota_class_set.id, 'default');
      assert.ok('floating_ips' in cls.body.quota_class_set && !('server_groups' in cls.body.quota_class_set));
      const at50 = (await call('admin', 'GET', '/v2.1/os-quota-class-sets/default', undefined, '2.50')).body;
      assert.ok(!('floating_ips' in at50.quota_class_set) && at50.quota_class_set.server_groups === 2);
      assert.equal(
        (await call('member', 'PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 7 } }))
          .status,
        403,
      );
      const put = await call('admin', 'PUT', '/v2.1/os-quota-class-sets/default', {
        quota_class_set: { cores: 7 },
      });
      assert.equal(put.body.quota_class_set.cores, 7);
      assert.equal((await call('member', 'GET', '/v2.1/os-quota-sets/project-a')).body.quota_set.cores, 7);
      assert.equal(
        (await call('member', 'GET', '/v2.1/os-quota-sets/project-a/defaults')).body.quota_set.cores,
        7,
      );
      await call('admin', 'PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 20 } });
    });

    test('availability zones: list for anyone, detail for admins', async () => {
      const list = await call('member', 'GET', '/v2.1/os-availability-zone');
      assert.deepEqual(list.body.availabilityZoneInfo, [
        { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      ]);
      assert.equal((await call('member', 'GET', '/v2.1/os-availability-zone/detail')).status, 403);
      const detail = await call('admin', 'GET', '/v2.1/os-availability-zone/detail');
      const hosts = detail.body.availabilityZoneInfo[0].hosts;
      assert.equal(Object.values(hosts as Json).length, 1);
    });

    test('hypervisors: one per bare metal node, read through the seam with the caller token', async () => {
      assert.equal((await call('member', 'GET', '/v2.1/os-hypervisors')).status, 403);
      const old = await call('admin', 'GET', '/v2.1/os-hypervisors/detail');
      assert.deepEqual(
        old.body.hypervisors.map((h: Json) => typeof h.id),
        ['number', 'number'],
      );
      const ids = old.body.hypervisors.map((h: Json) => h.id);
      assert.deepEqual(
        (await call('admin', 'GET', '/v2.1/os-hypervisors')).body.hypervisors.map((h: Json) => h.id),
        ids,
        'stable',
      );
      const now = await call('admin', 'GET', '/v2.1/os-hypervisors/detail', undefined, '2.53');
      const [h1, h2] = now.body.hypervisors;
      assert.equal(h1.id, '11111111-1111-4111-8111-111111111111');
      assert.deepEqual(
        [h1.vcpus, h1.memory_mb, h1.local_gb, h1.running_vms, h1.status],
        [4, 8192, 100, 0, 'enabled'],
      );
      assert.deepEqual([h2.vcpus_used, h2.free_ram_mb, h2.running_vms, h2.status], [2, 0, 1, 'disabled']);
      assert.equal(h1.hypervisor_type, 'ironic');
      const one = await call('admin', 'GET', `/v2.1/os-hypervisors/${h2.id}`, undefined, '2.53');
      assert.equal(one.body.hypervisor.hypervisor_hostname, h2.id);
      assert.equal(
        (await call('admin', 'GET', `/v2.1/os-hypervisors/${ids[0]}`, undefined, '2.53')).status,
        400,
      );
      assert.equal((await call('admin', 'GET', `/v2.1/os-hypervisors/${ids[0]}`)).status, 200);
      assert.equal(
        (await call('admin', 'GET', `/v2.1/os-hypervisors/${h1.id}`)).status,
        404,
        'a UUID is no id before 2.53',
      );
      // cpu_info: a string, an object from 2.28.
      assert.equal(old.body.hypervisors[0].cpu_info, '');
      assert.deepEqual(h1.cpu_info, {});
      // Before 2.53: search and servers by hostname pattern; gone from 2.53.
      const found = await call('admin', 'GET', '/v2.1/os-hypervisors/1111/search');
      assert.deepEqual(
        found.body.hypervisors.map((h: Json) => h.hypervisor_hostname),
        ['11111111-1111-4111-8111-111111111111'],
      );
      const none = await call('admin', 'GET', '/v2.1/os-hypervisors/zzz/search');
      assert.equal(none.status, 404);
      assert.equal(none.body.itemNotFound.message, "No hypervisor matching 'zzz' could be found.");
      assert.equal(
        (await call('admin', 'GET', '/v2.1/os-hypervisors/1111/search', undefined, '2.53')).status,
        404,
      );
      assert.equal((await call('member', 'GET', '/v2.1/os-hypervisors/1111/servers')).status, 403);
      const withOut = await call('admin', 'GET', '/v2.1/os-hypervisors/1111/servers');
      assert.equal(withOut.body.hypervisors[0].servers, undefined, 'no servers: no key before 2.75');
      const listed = await call('admin', 'GET', '/v2.1/os-hypervisors?with_servers=true', undefined, '2.75');
      assert.deepEqual(listed.body.hypervisors[0].servers, []);
      // The ironic driver has no uptime.
      assert.equal((await call('admin', 'GET', `/v2.1/os-hypervisors/${ids[0]}/uptime`)).status, 501);
      assert.equal((await call('member', 'GET', `/v2.1/os-hypervisors/${ids[0]}/uptime`)).status, 403);
      const stats = (await call('admin', 'GET', '/v2.1/os-hypervisors/statistics')).body
        .hypervisor_statistics;
      assert.deepEqual([stats.count, stats.vcpus, stats.running_vms], [2, 6, 1]);
      assert.ok(
        ironic.seen.every((s) => s.endsWith('compute-svc 1.78')),
        ironic.seen.join('\n'),
      );
      assert.ok(
        ironic.seen.some((s) => s.includes('marker=')),
        'follows the next link',
      );
    });

    test('server groups: shapes before and from 2.64, policies, quota, scoping', async () => {
      const old = await call('member', 'POST', '/v2.1/os-server-groups', {
        server_group: { name: 'a', policies: ['affinity'] },
      });
      assert.equal(old.status, 200);
      assert.deepEqual(old.body.server_group.policies, ['affinity']);
      assert.deepEqual(old.body.server_group.members, []);
      assert.equal(old.body.server_group.project_id, undefined);
      const neu = await call(
        'member',
        'POST',
        '/v2.1/os-server-groups',
        {
          server_group: { name: 'b', policy: 'anti-affinity', rules: { max_server_per_host: 1 } },
        },
        '2.64',
      );
      assert.equal(neu.body.server_group.policy, 'anti-affinity');
      assert.deepEqual(neu.body.server_group.rules, { max_server_per_host: 1 });
      assert.equal(neu.body.server_group.project_id, 'project-a');
      const over = await call('member', 'POST', '/v2.1/os-server-groups', {
        server_group: { name: 'c', policies: ['affinity'] },
      });
      assert.equal(over.status, 403);
      assert.match(over.body.forbidden.message, /Quota exceeded/);
      assert.equal((await call('member', 'GET', '/v2.1/os-server-groups')).body.server_groups.length, 2);
      assert.equal((await call('other', 'GET', '/v2.1/os-server-groups')).body.server_groups.length, 0);
      assert.equal(
        (await call('other', 'GET', `/v2.1/os-server-groups/${old.body.server_group.id}`)).status,
        404,
      );
      assert.equal((await call('other', 'GET', '/v2.1/os-server-groups?all_projects=True')).status, 403);
      assert.equal(
        (await call('admin', 'GET', '/v2.1/os-server-groups?all_projects=True')).body.server_groups.length,
        2,
      );
      assert.equal(
        (await call('member', 'DELETE', `/v2.1/os-server-groups/${old.body.server_group.id}`)).status,
        204,
      );
      assert.equal(
        (await call('member', 'GET', `/v2.1/os-server-groups/${old.body.server_group.id}`)).status,
        404,
      );
    });

    test("the legacy /v2.1/{project_id}/ layout serves the same routes for the token's own project only", async () => {
      const mine = await call('member', 'GET', '/v2.1/project-a/os-availability-zone');
      assert.equal(mine.status, 200);
      assert.equal(mine.headers['x-openstack-nova-api-version'], '2.1');
      const flavorList = await call('member', 'GET', '/v2.1/project-a/flavors/detail', undefined, '2.61');
      assert.ok(Array.isArray(flavorList.body.flavors));
      const other = await call('member', 'GET', '/v2.1/project-b/os-availability-zone');
      assert.equal(other.status, 400);
      assert.match(other.body.badRequest.message, /doesn't match Context's project_id 'project-a'/);
    });

    test('servers: empty listing, Nova 404 for an unknown server, schema 400s before any lookup', async () => {
      const r = await call('member', 'GET', '/v2.1/servers/detail');
      assert.deepEqual([r.status, r.body.servers], [200, []]);
      const missing = await call('member', 'GET', '/v2.1/servers/00000000-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.match(missing.body.itemNotFound.message, /Instance 00000000-.* could not be found/);
      const noName = await call('member', 'POST', '/v2.1/servers', {
        server: { imageRef: 'x', flavorRef: '1' },
      });
      assert.equal(noName.status, 400);
      assert.match(noName.body.badRequest.message, /'name' is a required property/);
      const badData = await call('member', 'POST', '/v2.1/servers', {
        server: { name: 's', imageRef: 'x', flavorRef: '1', user_data: 'not base64!' },
      });
      assert.equal(badData.body.badRequest.message, 'User data needs to be valid base 64.');
      const noNetworks = await call(
        'member',
        'POST',
        '/v2.1/servers',
        { server: { name: 's', imageRef: 'x', flavorRef: '1' } },
        '2.37',
      );
      assert.match(noNetworks.body.badRequest.message, /'networks' is a required property/);
      const reader = await call('reader', 'POST', '/v2.1/servers', {
        server: { name: 's', imageRef: 'x', flavorRef: '1' },
      });
      assert.equal(reader.status, 403);
    });
  });
}
