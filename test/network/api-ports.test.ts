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
  describe(`network API in-process: ports, lists, security groups [${engine}]`, {
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
          'binding:profile': {
            local_link_information: [{ switch_id: 'aa:bb:cc:dd:ee:ff', port_id: 'Eth1' }],
          },
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

    test('IPv6: stateful pools allocate, SLAAC derives from the MAC', async () => {
      const n = (await call(svc, 'admin', 'POST', '/v2.0/networks', { network: { name: 'v6' } })).body
        .network;
      const mk = (subnet: Record<string, unknown>) =>
        call(svc, 'admin', 'POST', '/v2.0/subnets', {
          subnet: { network_id: n.id, ip_version: 6, ...subnet },
        });
      const stateful = await mk({
        cidr: '2001:db8:1::/64',
        ipv6_address_mode: 'dhcpv6-stateful',
        ipv6_ra_mode: 'dhcpv6-stateful',
      });
      const slaac = await mk({ cidr: '2001:db8:2::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
      assert.equal(stateful.status, 201);
      assert.equal(slaac.status, 201);
      const p = await call(svc, 'admin', 'POST', '/v2.0/ports', {
        port: { network_id: n.id, mac_address: 'fa:16:3e:11:22:33' },
      });
      const ips = p.body.port.fixed_ips.map((f: { ip_address: string }) => f.ip_address).sort();
      assert.deepEqual(ips, ['2001:db8:1::2', '2001:db8:2:0:f816:3eff:fe11:2233']);
    });

    test('subnet pool changes keep allocations and rebuild the free ranges', async () => {
      const { networkId, subnetId } = await networkWithSubnet(svc, {
        cidr: '10.40.0.0/24',
        allocation_pools: [{ start: '10.40.0.10', end: '10.40.0.11' }],
      });
      const first = await call(svc, 'admin', 'POST', '/v2.0/ports', { port: { network_id: networkId } });
      assert.equal(first.body.port.fixed_ips[0].ip_address, '10.40.0.10');
      const u = await call(svc, 'admin', 'PUT', `/v2.0/subnets/${subnetId}`, {
        subnet: {
          allocation_pools: [{ start: '10.40.0.10', end: '10.40.0.12' }],
          dns_nameservers: ['192.0.2.53'],
        },
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      assert.deepEqual(u.body.subnet.dns_nameservers, ['192.0.2.53']);
      const got = [];
      for (let i = 0; i < 3; i++)
        got.push((await call(svc, 'admin', 'POST', '/v2.0/ports', { port: { network_id: networkId } })).body);
      assert.deepEqual(
        got.map((b) => b.port?.fixed_ips[0].ip_address ?? b.NeutronError.type),
        ['10.40.0.11', '10.40.0.12', 'IpAddressGenerationFailure'],
      );
      const bad = await call(svc, 'admin', 'PUT', `/v2.0/subnets/${subnetId}`, {
        subnet: { gateway_ip: '10.40.0.11' },
      });
      assert.equal(bad.body.NeutronError.type, 'GatewayConflictWithAllocationPools');
    });

    test('a port with no fixed IPs; a network with only a DHCP port can be deleted', async () => {
      const { networkId } = await networkWithSubnet(svc, { cidr: '10.50.0.0/24' });
      const none = await call(svc, 'admin', 'POST', '/v2.0/ports', {
        port: { network_id: networkId, fixed_ips: [] },
      });
      assert.deepEqual(none.body.port.fixed_ips, []);
      assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/ports/${none.body.port.id}`)).status, 204);
      await call(svc, 'admin', 'POST', '/v2.0/ports', {
        port: { network_id: networkId, device_owner: 'network:dhcp' },
      });
      assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/networks/${networkId}`)).status, 204);
      assert.deepEqual(
        (await call(svc, 'admin', 'GET', `/v2.0/ports?network_id=${networkId}`)).body.ports,
        [],
      );
    });

    test('security groups and rules', async () => {
      const g = await call(svc, 'other', 'POST', '/v2.0/security-groups', {
        security_group: { name: 'web' },
      });
      assert.equal(g.status, 201);
      assert.equal(g.body.security_group.security_group_rules.length, 2); // egress v4 and v6
      const rule = {
        security_group_id: g.body.security_group.id,
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 80,
        port_range_max: 80,
        remote_ip_prefix: '0.0.0.0/0',
      };
      const r = await call(svc, 'other', 'POST', '/v2.0/security-group-rules', { security_group_rule: rule });
      assert.equal(r.status, 201);
      const dup = await call(svc, 'other', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: rule,
      });
      assert.equal(dup.body.NeutronError.type, 'SecurityGroupRuleExists');
      const bad = await call(svc, 'other', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { ...rule, port_range_min: 90, port_range_max: 80 },
      });
      assert.equal(bad.status, 400);
      const list = await call(svc, 'other', 'GET', '/v2.0/security-groups');
      assert.deepEqual(list.body.security_groups.map((x: { name: string }) => x.name).sort(), [
        'default',
        'web',
      ]);
      assert.equal(
        (await call(svc, 'member', 'GET', `/v2.0/security-groups/${g.body.security_group.id}`)).status,
        404,
      );
      assert.equal(
        (await call(svc, 'other', 'DELETE', `/v2.0/security-group-rules/${r.body.security_group_rule.id}`))
          .status,
        204,
      );
      assert.equal(
        (await call(svc, 'other', 'DELETE', `/v2.0/security-groups/${g.body.security_group.id}`)).status,
        204,
      );
    });
  });
}
