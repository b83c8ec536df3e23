import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { networkService } from '../../src/network/index.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { call, networkWithSubnet } from './helpers.ts';

// The whole API suite on each engine: SQLite in memory, and a PostgreSQL database of a throwaway server.
for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`network API in-process: networks, subnets, quotas, tags [${engine}]`, {
    skip: engine === 'postgres' ? postgresUnavailable() : undefined,
  }, () => {
    let svc: TestServiceApp;
    let pg: TestPostgres | undefined;
    before(async () => {
      pg = engine === 'postgres' ? await startPostgres() : undefined;
      svc = await startServiceApp(networkService, {
        settings: { network_vlan_ranges: 'physnet1:100:102' },
        databaseUrl: pg && createDatabase(pg.url, `api_${randomBytes(4).toString('hex')}`),
      });
    });
    after(async () => {
      await svc?.close();
      pg?.stop();
    });

    test('discovery and extensions', async () => {
      const root = await svc.app.inject({ method: 'GET', url: '/' });
      assert.equal(root.statusCode, 200);
      assert.equal(root.json().versions[0].id, 'v2.0');
      const ext = await call(svc, 'member', 'GET', '/v2.0/extensions');
      const aliases = ext.body.extensions.map((e: { alias: string }) => e.alias);
      for (const a of [
        'binding',
        'extra_dhcp_opt',
        'provider',
        'security-group',
        'quotas',
        'allowed-address-pairs',
      ])
        assert.ok(aliases.includes(a), a);
      assert.equal(
        (await call(svc, 'member', 'GET', '/v2.0/extensions/binding')).body.extension.alias,
        'binding',
      );
      const missing = await call(svc, 'member', 'GET', '/v2.0/extensions/tag-ports-during-bulk-creation');
      assert.equal(missing.status, 404);
    });

    test('unauthenticated calls get 401', async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/v2.0/networks' });
      assert.equal(res.statusCode, 401);
    });

    test('network create/show/update/delete with standard attributes', async () => {
      const c = await call(svc, 'member', 'POST', '/v2.0/networks', {
        network: { name: 'n1', tags: ['b', 'a'] },
      });
      assert.equal(c.status, 201);
      const n = c.body.network;
      assert.equal(n.project_id, 'project-a');
      assert.equal(n.tenant_id, 'project-a');
      assert.equal(n.revision_number, 1);
      assert.deepEqual(n.tags, ['a', 'b']);
      assert.match(n.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(n['provider:network_type'], 'vxlan');
      assert.equal(n['provider:segmentation_id'], 1);
      const u = await call(svc, 'member', 'PUT', `/v2.0/networks/${n.id}`, {
        network: { name: 'n1b', mtu: 1400 },
      });
      assert.equal(u.body.network.name, 'n1b');
      assert.equal(u.body.network.mtu, 1400);
      assert.equal(u.body.network.revision_number, 2);
      // Other projects do not see it: 404, not 403.
      const other = await call(svc, 'other', 'GET', `/v2.0/networks/${n.id}`);
      assert.equal(other.status, 404);
      assert.equal(other.body.NeutronError.type, 'NetworkNotFound');
      // Readers may look but not change.
      assert.equal((await call(svc, 'reader', 'GET', `/v2.0/networks/${n.id}`)).status, 200);
      assert.equal((await call(svc, 'reader', 'DELETE', `/v2.0/networks/${n.id}`)).status, 403);
      assert.equal((await call(svc, 'member', 'DELETE', `/v2.0/networks/${n.id}`)).status, 204);
      const gone = await call(svc, 'member', 'GET', `/v2.0/networks/${n.id}`);
      assert.deepEqual(gone.body, {
        NeutronError: { type: 'NetworkNotFound', message: `Network ${n.id} could not be found.`, detail: '' },
      });
    });

    test('provider attributes: admin only, VLAN ids allocated from ranges and unique', async () => {
      const body = {
        network: { name: 'v', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1' },
      };
      assert.equal((await call(svc, 'member', 'POST', '/v2.0/networks', body)).status, 403);
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push((await call(svc, 'admin', 'POST', '/v2.0/networks', body)).body.network);
      assert.deepEqual(
        ids.map((n) => n['provider:segmentation_id']),
        [100, 101, 102],
      );
      const full = await call(svc, 'admin', 'POST', '/v2.0/networks', body);
      assert.equal(full.status, 409);
      assert.equal(full.body.NeutronError.type, 'NoNetworkAvailable');
      const dup = await call(svc, 'admin', 'POST', '/v2.0/networks', {
        network: { ...body.network, 'provider:segmentation_id': 101 },
      });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.NeutronError.type, 'VlanIdInUse');
      // Deleting frees the id for the next allocation.
      assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/networks/${ids[1].id}`)).status, 204);
      const again = await call(svc, 'admin', 'POST', '/v2.0/networks', body);
      assert.equal(again.body.network['provider:segmentation_id'], 101);
      const flat = await call(svc, 'admin', 'POST', '/v2.0/networks', {
        network: {
          name: 'ctlplane',
          shared: true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'ctlplane',
        },
      });
      assert.equal(flat.status, 201);
      assert.equal(flat.body.network['provider:segmentation_id'], null);
      assert.equal(flat.body.network.shared, true);
      const bad = await call(svc, 'admin', 'POST', '/v2.0/networks', {
        network: {
          'provider:network_type': 'flat',
          'provider:physical_network': 'x',
          'provider:segmentation_id': 3,
        },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.NeutronError.type, 'InvalidInput');
    });

    test('subnet defaults and validation', async () => {
      const { subnetId, networkId } = await networkWithSubnet(svc, { cidr: '192.0.2.0/24' });
      const s = (await call(svc, 'admin', 'GET', `/v2.0/subnets/${subnetId}`)).body.subnet;
      assert.equal(s.gateway_ip, '192.0.2.1');
      assert.deepEqual(s.allocation_pools, [{ start: '192.0.2.2', end: '192.0.2.254' }]);
      assert.equal(s.enable_dhcp, true);
      const net = (await call(svc, 'admin', 'GET', `/v2.0/networks/${networkId}`)).body.network;
      assert.deepEqual(net.subnets, [subnetId]);
      const cases: [Record<string, unknown>, number, string][] = [
        [
          { cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.1.5', end: '10.0.1.9' }] },
          400,
          'OutOfBoundsAllocationPool',
        ],
        [{ cidr: '10.0.0.0/24', gateway_ip: '10.9.0.1' }, 400, 'InvalidInput'],
        [
          {
            cidr: '10.0.0.0/24',
            gateway_ip: '10.0.0.5',
            allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.9' }],
          },
          409,
          'GatewayConflictWithAllocationPools',
        ],
        [
          {
            cidr: '10.0.0.0/24',
            allocation_pools: [
              { start: '10.0.0.2', end: '10.0.0.9' },
              { start: '10.0.0.9', end: '10.0.0.20' },
            ],
          },
          409,
          'OverlappingAllocationPools',
        ],
        [{ cidr: '10.0.0.0/33' }, 400, 'InvalidInput'],
        [{ cidr: '10.0.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.1'] }, 400, 'InvalidInput'],
        [
          { cidr: '10.0.0.0/24', host_routes: [{ destination: '169.254.169.254/32', nexthop: 'x' }] },
          400,
          'InvalidInput',
        ],
        [{ cidr: '192.0.2.128/25' }, 400, 'InvalidInput'], // overlaps the first subnet of the network
      ];
      for (const [body, status, type] of cases) {
        const r = await call(svc, 'admin', 'POST', '/v2.0/subnets', {
          subnet: { network_id: networkId, ip_version: 4, ...body },
        });
        assert.equal(r.status, status, JSON.stringify(body));
        assert.equal(r.body.NeutronError.type, type, JSON.stringify(body));
      }
      const none = await call(svc, 'admin', 'POST', '/v2.0/subnets', {
        subnet: {
          network_id: networkId,
          ip_version: 4,
          cidr: '198.51.100.0/29',
          gateway_ip: null,
          enable_dhcp: false,
        },
      });
      assert.equal(none.body.subnet.gateway_ip, null);
      assert.deepEqual(none.body.subnet.allocation_pools, [{ start: '198.51.100.1', end: '198.51.100.6' }]);
      const v6 = await call(svc, 'admin', 'POST', '/v2.0/subnets', {
        subnet: {
          network_id: networkId,
          ip_version: 6,
          cidr: '2001:db8::/64',
          ipv6_address_mode: 'slaac',
          ipv6_ra_mode: 'slaac',
        },
      });
      assert.equal(v6.status, 201);
      assert.equal(v6.body.subnet.gateway_ip, '2001:db8::1');
    });

    test('quotas: show, default, set, details, enforced', async () => {
      const def = await call(svc, 'member', 'GET', '/v2.0/quotas/project-a/default');
      assert.equal(def.body.quota.port, 500);
      assert.equal(
        (await call(svc, 'member', 'PUT', '/v2.0/quotas/project-b', { quota: { network: 1 } })).status,
        403,
      );
      const set = await call(svc, 'admin', 'PUT', '/v2.0/quotas/project-b', {
        quota: { network: 1, port: 7 },
      });
      assert.equal(set.body.quota.network, 1);
      assert.equal(set.body.quota.port, 7);
      assert.equal(set.body.quota.subnet, 100);
      assert.equal((await call(svc, 'other', 'GET', '/v2.0/quotas/project-b')).body.quota.port, 7);
      assert.equal((await call(svc, 'other', 'GET', '/v2.0/quotas/project-a')).status, 403);
      assert.equal(
        (await call(svc, 'other', 'POST', '/v2.0/networks', { network: { name: 'x' } })).status,
        201,
      );
      const over = await call(svc, 'other', 'POST', '/v2.0/networks', { network: { name: 'y' } });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
      const details = await call(svc, 'other', 'GET', '/v2.0/quotas/project-b/details');
      assert.deepEqual(details.body.quota.network, { limit: 1, used: 1, reserved: 0 });
      assert.equal(
        (await call(svc, 'admin', 'PUT', '/v2.0/quotas/project-b', { quota: { port: -2 } })).status,
        400,
      );
    });

    test('tags', async () => {
      const n = (await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 't' } })).body
        .network;
      assert.equal((await call(svc, 'member', 'PUT', `/v2.0/networks/${n.id}/tags/red`)).status, 201);
      assert.deepEqual(
        (await call(svc, 'member', 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['x', 'y'] })).body.tags,
        ['x', 'y'],
      );
      assert.equal((await call(svc, 'member', 'DELETE', `/v2.0/networks/${n.id}/tags/x`)).status, 204);
      const shown = (await call(svc, 'member', 'GET', `/v2.0/networks/${n.id}`)).body.network;
      assert.deepEqual(shown.tags, ['y']);
      const tagged = await call(svc, 'member', 'GET', '/v2.0/networks?tags=y');
      assert.deepEqual(
        tagged.body.networks.map((x: { id: string }) => x.id),
        [n.id],
      );
    });
  });
}
