import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { networkService } from '../../src/network/index.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { call, networkWithSubnet } from './helpers.ts';

describe('network API in-process', () => {
  let svc: TestServiceApp;
  before(async () => {
    svc = await startServiceApp(networkService, { settings: { network_vlan_ranges: 'physnet1:100:102' } });
  });
  after(() => svc.close());

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

  test('ports: allocation, requested IPs and MACs, errors', async () => {
    const { networkId, subnetId } = await networkWithSubnet(svc, {
      cidr: '203.0.113.0/24',
      allocation_pools: [{ start: '203.0.113.10', end: '203.0.113.12' }],
    });
    const mk = (port: Record<string, unknown>) =>
      call(svc, 'admin', 'POST', '/v2.0/ports', { port: { network_id: networkId, ...port } });
    const a = await mk({ name: 'a' });
    assert.equal(a.status, 201);
    assert.deepEqual(a.body.port.fixed_ips, [{ subnet_id: subnetId, ip_address: '203.0.113.10' }]);
    assert.match(a.body.port.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.equal(a.body.port.status, 'DOWN');
    assert.equal(a.body.port['binding:vif_type'], 'unbound');
    const b = await mk({
      mac_address: '52:54:00:12:34:56',
      fixed_ips: [{ subnet_id: subnetId, ip_address: '203.0.113.100' }],
    });
    assert.equal(b.status, 201);
    assert.equal(b.body.port.fixed_ips[0].ip_address, '203.0.113.100');
    const dupMac = await mk({ mac_address: '52:54:00:12:34:56' });
    assert.equal(dupMac.status, 409);
    assert.equal(dupMac.body.NeutronError.type, 'MacAddressInUse');
    const dupIp = await mk({ fixed_ips: [{ ip_address: '203.0.113.100' }] });
    assert.equal(dupIp.status, 409);
    assert.equal(dupIp.body.NeutronError.type, 'IpAddressAlreadyAllocated');
    const wrong = await mk({ fixed_ips: [{ subnet_id: subnetId, ip_address: '10.1.1.1' }] });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.NeutronError.type, 'InvalidIpForSubnet');
    const bcast = await mk({ fixed_ips: [{ subnet_id: subnetId, ip_address: '203.0.113.255' }] });
    assert.equal(bcast.body.NeutronError.type, 'InvalidIpForSubnet');
    // A requested address inside the pool is taken out of it.
    const c = await mk({ fixed_ips: [{ ip_address: '203.0.113.12' }] });
    assert.equal(c.status, 201);
    const d = await mk({});
    assert.equal(d.body.port.fixed_ips[0].ip_address, '203.0.113.11');
    const e = await mk({});
    assert.equal(e.status, 409);
    assert.equal(e.body.NeutronError.type, 'IpAddressGenerationFailure');
    // Freed addresses return to the pool.
    assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/ports/${a.body.port.id}`)).status, 204);
    assert.equal((await mk({})).body.port.fixed_ips[0].ip_address, '203.0.113.10');
    // Changing a port's address releases the old one.
    const moved = await call(svc, 'admin', 'PUT', `/v2.0/ports/${c.body.port.id}`, {
      port: { fixed_ips: [{ subnet_id: subnetId, ip_address: '203.0.113.50' }] },
    });
    assert.equal(moved.status, 200);
    assert.deepEqual(moved.body.port.fixed_ips, [{ subnet_id: subnetId, ip_address: '203.0.113.50' }]);
    assert.equal((await mk({})).body.port.fixed_ips[0].ip_address, '203.0.113.12');
    // Network and subnet in use.
    const netDel = await call(svc, 'admin', 'DELETE', `/v2.0/networks/${networkId}`);
    assert.equal(netDel.status, 409);
    assert.equal(netDel.body.NeutronError.type, 'NetworkInUse');
    const subDel = await call(svc, 'admin', 'DELETE', `/v2.0/subnets/${subnetId}`);
    assert.equal(subDel.status, 409);
    assert.equal(subDel.body.NeutronError.type, 'SubnetInUse');
  });

  test('ports: binding, extra DHCP options, address pairs, default security group', async () => {
    const { networkId } = await networkWithSubnet(svc, { cidr: '10.20.0.0/24' }, { shared: true });
    const p = await call(svc, 'admin', 'POST', '/v2.0/ports', {
      port: {
        network_id: networkId,
        project_id: 'project-a',
        'binding:vnic_type': 'baremetal',
        'binding:host_id': 'node-1',
        'binding:profile': { local_link_information: [{ switch_id: 'aa:bb:cc:dd:ee:ff', port_id: 'Eth1' }] },
        extra_dhcp_opts: [
          { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.20.0.1:8088/boot.ipxe' },
          { opt_name: 'tftp-server', opt_value: '10.20.0.1' },
          { opt_name: 'server-ip-address', opt_value: '10.20.0.1' },
        ],
        allowed_address_pairs: [{ ip_address: '10.20.0.200' }],
      },
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const port = p.body.port;
    assert.equal(port.status, 'ACTIVE');
    assert.equal(port['binding:vif_type'], 'other');
    assert.equal(port['binding:profile'].local_link_information[0].port_id, 'Eth1');
    assert.equal(port.extra_dhcp_opts.length, 4);
    assert.deepEqual(port.allowed_address_pairs, [
      { ip_address: '10.20.0.200', mac_address: port.mac_address },
    ]);
    assert.equal(port.security_groups.length, 1);
    const sg = (await call(svc, 'member', 'GET', `/v2.0/security-groups/${port.security_groups[0]}`)).body
      .security_group;
    assert.equal(sg.name, 'default');
    assert.equal(sg.security_group_rules.length, 4);
    // Updating extra_dhcp_opts: a null value removes, others replace by name.
    const u = await call(svc, 'admin', 'PUT', `/v2.0/ports/${port.id}`, {
      port: {
        extra_dhcp_opts: [
          { opt_name: 'tftp-server', opt_value: null },
          { opt_name: 'server-ip-address', opt_value: '10.20.0.2' },
        ],
      },
    });
    const opts = u.body.port.extra_dhcp_opts.map(
      (o: { opt_name: string; opt_value: string }) => `${o.opt_name}=${o.opt_value}`,
    );
    assert.deepEqual(opts.sort(), [
      'server-ip-address=10.20.0.2',
      'tag:!ipxe,bootfile-name=undionly.kpxe',
      'tag:ipxe,bootfile-name=http://10.20.0.1:8088/boot.ipxe',
    ]);
    // A member on the shared network: binding attributes are for admins and services.
    const m = await call(svc, 'member', 'POST', '/v2.0/ports', {
      port: { network_id: networkId, 'binding:host_id': 'x' },
    });
    assert.equal(m.status, 403);
    assert.equal(m.body.NeutronError.type, 'PolicyNotAuthorized');
    const m2 = await call(svc, 'member', 'POST', '/v2.0/ports', { port: { network_id: networkId } });
    assert.equal(m2.status, 201);
    assert.equal(m2.body.port.project_id, 'project-a');
  });

  test('lists: filters (repeated = OR), fields, sorting, marker pagination with links', async () => {
    const { networkId } = await networkWithSubnet(svc, { cidr: '10.30.0.0/24' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(svc, 'admin', 'POST', '/v2.0/ports', {
        port: { network_id: networkId, name: `p${i}` },
      });
      ids.push(r.body.port.id);
    }
    const byName = await call(svc, 'admin', 'GET', `/v2.0/ports?network_id=${networkId}&name=p1&name=p3`);
    assert.deepEqual(byName.body.ports.map((p: { name: string }) => p.name).sort(), ['p1', 'p3']);
    const fields = await call(
      svc,
      'admin',
      'GET',
      `/v2.0/ports?network_id=${networkId}&fields=id&fields=name`,
    );
    assert.deepEqual(Object.keys(fields.body.ports[0]).sort(), ['id', 'name']);
    const sorted = await call(
      svc,
      'admin',
      'GET',
      `/v2.0/ports?network_id=${networkId}&sort_key=name&sort_dir=desc`,
    );
    assert.deepEqual(
      sorted.body.ports.map((p: { name: string }) => p.name),
      ['p4', 'p3', 'p2', 'p1', 'p0'],
    );
    const ip = byName.body.ports[0].fixed_ips[0].ip_address;
    const byIp = await call(svc, 'admin', 'GET', `/v2.0/ports?fixed_ips=ip_address%3D${ip}`);
    assert.equal(byIp.body.ports.length, 1);
    // Pages of two by name: p0 p1 | p2 p3 | p4, following the next links.
    let url = `/v2.0/ports?network_id=${networkId}&sort_key=name&sort_dir=asc&limit=2`;
    const seen: string[] = [];
    for (let pages = 0; pages < 5; pages++) {
      const page = await call(svc, 'admin', 'GET', url);
      seen.push(...page.body.ports.map((p: { name: string }) => p.name));
      const next = page.body.ports_links?.find((l: { rel: string }) => l.rel === 'next');
      if (!next) break;
      url = new URL(next.href).pathname + new URL(next.href).search;
    }
    assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4']);
    const unknownName = await call(svc, 'admin', 'GET', '/v2.0/networks/no-such-thing');
    assert.equal(unknownName.status, 404);
    const none = await call(svc, 'admin', 'GET', '/v2.0/networks?name=no-such-thing');
    assert.deepEqual(none.body, { networks: [] });
  });

  test('quotas: show, default, set, details, enforced', async () => {
    const def = await call(svc, 'member', 'GET', '/v2.0/quotas/project-a/default');
    assert.equal(def.body.quota.port, 500);
    assert.equal(
      (await call(svc, 'member', 'PUT', '/v2.0/quotas/project-b', { quota: { network: 1 } })).status,
      403,
    );
    const set = await call(svc, 'admin', 'PUT', '/v2.0/quotas/project-b', { quota: { network: 1, port: 7 } });
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
    const n = (await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 't' } })).body.network;
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
