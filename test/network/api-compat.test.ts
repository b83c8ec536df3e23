// Neutron behaviours the real clients and tempest rely on: bulk creates, `fields` on shows, quota details,
// security group rules validated as Neutron validates them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { networkService } from '../../src/network/index.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { call } from './helpers.ts';

describe('network API compatibility', () => {
  let svc: TestServiceApp;
  before(async () => {
    svc = await startServiceApp(networkService);
    // A project of its own, so its security groups are only those these tests make.
    svc.tokens.add('sg-owner', { projectId: 'project-sg', roles: ['member'] });
  });
  after(async () => {
    await svc?.close();
  });

  test('bulk creates of networks, subnets and ports answer with the list, in order', async () => {
    const n = await call(svc, 'member', 'POST', '/v2.0/networks', {
      networks: [{ name: 'bulk-a' }, { network: { name: 'bulk-b' } }],
    });
    assert.equal(n.status, 201, JSON.stringify(n.body));
    assert.deepEqual(
      n.body.networks.map((x: { name: string }) => x.name),
      ['bulk-a', 'bulk-b'],
    );
    const [a, b] = n.body.networks.map((x: { id: string }) => x.id);
    const s = await call(svc, 'member', 'POST', '/v2.0/subnets', {
      subnets: [
        { network_id: a, ip_version: 4, cidr: '10.1.0.0/24' },
        { network_id: b, ip_version: 4, cidr: '10.2.0.0/24' },
      ],
    });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.deepEqual(
      s.body.subnets.map((x: { cidr: string }) => x.cidr),
      ['10.1.0.0/24', '10.2.0.0/24'],
    );
    const p = await call(svc, 'member', 'POST', '/v2.0/ports', {
      ports: [{ network_id: a }, { network_id: b, name: 'second' }],
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    assert.deepEqual(
      p.body.ports.map((x: { network_id: string }) => x.network_id),
      [a, b],
    );
    assert.equal(p.body.ports[1].name, 'second');
  });

  test('a bulk create is all or nothing: one bad item leaves nothing behind', async () => {
    const before = await call(svc, 'member', 'GET', '/v2.0/networks?name=atomic');
    assert.deepEqual(before.body.networks, []);
    const n = await call(svc, 'member', 'POST', '/v2.0/networks', {
      networks: [{ name: 'atomic' }, { name: 'atomic' }, { name: 'atomic', mtu: 'huge' }],
    });
    assert.equal(n.status, 400);
    assert.equal(n.body.NeutronError.type, 'InvalidInput');
    const after = await call(svc, 'member', 'GET', '/v2.0/networks?name=atomic');
    assert.deepEqual(after.body.networks, []);

    const net = await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 'ports-atomic' } });
    const id = net.body.network.id;
    await call(svc, 'member', 'POST', '/v2.0/subnets', {
      subnet: { network_id: id, ip_version: 4, cidr: '10.9.0.0/29' },
    });
    // A /29 has five addresses to give after the gateway's: the sixth port fails and undoes the five.
    const p = await call(svc, 'member', 'POST', '/v2.0/ports', {
      ports: Array.from({ length: 6 }, () => ({ network_id: id })),
    });
    assert.equal(p.status, 409);
    assert.equal(p.body.NeutronError.type, 'IpAddressGenerationFailure');
    const left = await call(svc, 'member', 'GET', `/v2.0/ports?network_id=${id}`);
    assert.deepEqual(left.body.ports, []);
    // The addresses were given back: a single port now gets the first one.
    const one = await call(svc, 'member', 'POST', '/v2.0/ports', { port: { network_id: id } });
    assert.equal(one.body.port.fixed_ips[0].ip_address, '10.9.0.2');
  });

  test('bulk bodies that are not a non-empty list of objects are refused', async () => {
    for (const networks of [[], {}, ['x'], [[]]]) {
      const r = await call(svc, 'member', 'POST', '/v2.0/networks', { networks });
      assert.equal(r.status, 400, JSON.stringify(networks));
      assert.equal(r.body.NeutronError.type, 'BadRequest');
    }
  });

  test('`fields` on a show returns exactly the attributes asked, for every resource', async () => {
    const net = await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 'shown' } });
    const id = net.body.network.id;
    const sub = await call(svc, 'member', 'POST', '/v2.0/subnets', {
      subnet: { network_id: id, ip_version: 4, cidr: '10.20.0.0/24' },
    });
    const port = await call(svc, 'member', 'POST', '/v2.0/ports', { port: { network_id: id } });
    const sg = await call(svc, 'member', 'POST', '/v2.0/security-groups', { security_group: { name: 'sg' } });
    const rule = await call(svc, 'member', 'POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: sg.body.security_group.id, direction: 'ingress' },
    });
    const cases: [string, string, string[]][] = [
      [`/v2.0/networks/${id}`, 'network', ['id', 'name']],
      [`/v2.0/subnets/${sub.body.subnet.id}`, 'subnet', ['cidr', 'gateway_ip', 'id']],
      [`/v2.0/ports/${port.body.port.id}`, 'port', ['mac_address']],
      [
        `/v2.0/security-groups/${sg.body.security_group.id}`,
        'security_group',
        ['name', 'security_group_rules'],
      ],
      [
        `/v2.0/security-group-rules/${rule.body.security_group_rule.id}`,
        'security_group_rule',
        ['direction'],
      ],
    ];
    for (const [url, resource, fields] of cases) {
      const qs = fields.map((f) => `fields=${f}`).join('&');
      const r = await call(svc, 'member', 'GET', `${url}?${qs}`);
      assert.equal(r.status, 200, url);
      assert.deepEqual(Object.keys(r.body[resource]).sort(), [...fields].sort(), url);
      const whole = await call(svc, 'member', 'GET', url);
      assert.ok(Object.keys(whole.body[resource]).length > fields.length, url);
    }
    assert.equal(
      (await call(svc, 'member', 'GET', `/v2.0/networks/${id}?fields=name`)).body.network.name,
      'shown',
    );
  });

  test('quota details answer with and without the .json suffix tempest uses', async () => {
    const mine = await call(svc, 'member', 'GET', '/v2.0/quotas/tenant');
    const project = mine.body.tenant.tenant_id;
    await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 'counted' } });
    for (const suffix of ['', '.json']) {
      const r = await call(svc, 'member', 'GET', `/v2.0/quotas/${project}/details${suffix}`);
      assert.equal(r.status, 200, suffix);
      assert.equal(r.body.quota.network.limit, 100);
      assert.ok(r.body.quota.network.used >= 1);
      assert.equal(r.body.quota.port.reserved, 0);
    }
    const other = await call(svc, 'member', 'GET', '/v2.0/quotas/someone-else/details.json');
    assert.equal(other.status, 403);
  });

  test('agents: a non-admin list is empty (policy filters it), not refused', async () => {
    const r = await call(svc, 'member', 'GET', '/v2.0/agents');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.agents, []);
    assert.equal((await call(svc, 'admin', 'GET', '/v2.0/agents')).status, 200);
  });

  test('security groups: one default per project that cannot be renamed; "default" is not a free name', async () => {
    const list = await call(svc, 'sg-owner', 'GET', '/v2.0/security-groups');
    const defaults = list.body.security_groups.filter((g: { name: string }) => g.name === 'default');
    assert.equal(defaults.length, 1);
    const again = await call(svc, 'sg-owner', 'GET', '/v2.0/security-groups?name=default');
    assert.equal(again.body.security_groups.length, 1);
    const dflt = defaults[0].id;
    const rename = await call(svc, 'sg-owner', 'PUT', `/v2.0/security-groups/${dflt}`, {
      security_group: { name: 'renamed' },
    });
    assert.equal(rename.status, 409);
    assert.equal(rename.body.NeutronError.type, 'SecurityGroupCannotUpdateDefault');
    const desc = await call(svc, 'sg-owner', 'PUT', `/v2.0/security-groups/${dflt}`, {
      security_group: { description: 'still default' },
    });
    assert.equal(desc.status, 200);
    for (const name of ['default', 'Default']) {
      const c = await call(svc, 'sg-owner', 'POST', '/v2.0/security-groups', { security_group: { name } });
      assert.equal(c.status, 409, name);
      assert.equal(c.body.NeutronError.type, 'SecurityGroupDefaultAlreadyExists');
    }
    const web = await call(svc, 'sg-owner', 'POST', '/v2.0/security-groups', {
      security_group: { name: 'web' },
    });
    const toDefault = await call(
      svc,
      'sg-owner',
      'PUT',
      `/v2.0/security-groups/${web.body.security_group.id}`,
      {
        security_group: { name: 'default' },
      },
    );
    assert.equal(toDefault.status, 409);
    assert.equal(toDefault.body.NeutronError.type, 'SecurityGroupDefaultAlreadyExists');
  });

  test('security group rules: Neutron types for bad rules, 409 for a duplicate however spelled, 404 remote group', async () => {
    const g = await call(svc, 'sg-owner', 'POST', '/v2.0/security-groups', {
      security_group: { name: 'rules' },
    });
    const id = g.body.security_group.id;
    const post = (rule: Record<string, unknown>) =>
      call(svc, 'sg-owner', 'POST', '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: id, direction: 'ingress', ...rule },
      });
    const first = await post({ protocol: 'tcp', port_range_min: 66, port_range_max: 67 });
    assert.equal(first.status, 201);
    const dup = await post({
      protocol: '6',
      port_range_min: '66',
      port_range_max: 67,
      remote_ip_prefix: '0.0.0.0/0',
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'SecurityGroupRuleExists');
    const v6 = await post({ protocol: 'icmpv6', ethertype: 'IPv6', port_range_min: 135, port_range_max: 0 });
    assert.equal(v6.status, 201, JSON.stringify(v6.body));
    assert.equal(v6.body.security_group_rule.protocol, 'ipv6-icmp');
    const v6dup = await post({ protocol: '58', ethertype: 'IPv6', port_range_min: 135, port_range_max: 0 });
    assert.equal(v6dup.status, 409);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ protocol: 'bad_protocol_name' }, 400, 'SecurityGroupRuleInvalidProtocol'],
      [{ protocol: 'ipv6-icmp', ethertype: 'IPv4' }, 400, 'SecurityGroupEthertypeConflictWithProtocol'],
      [{ protocol: 'icmp', port_range_max: 6 }, 400, 'SecurityGroupMissingIcmpType'],
      [{ protocol: 'tcp', port_range_max: 6 }, 400, 'SecurityGroupInvalidPortRange'],
      [{ protocol: 'tcp', remote_group_id: 'bad_group_id' }, 404, 'SecurityGroupNotFound'],
    ];
    for (const [rule, status, type] of cases) {
      const r = await post(rule);
      assert.equal(r.status, status, JSON.stringify(rule));
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(rule));
    }
    const missing = await call(svc, 'sg-owner', 'POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: 'no-such-group', direction: 'ingress' },
    });
    assert.equal(missing.status, 404);
  });

  test('a SLAAC subnet with ports can be deleted: the ports lose its addresses; a v4 subnet in use cannot', async () => {
    const net = await call(svc, 'member', 'POST', '/v2.0/networks', { network: { name: 'dual' } });
    const id = net.body.network.id;
    const v4 = await call(svc, 'member', 'POST', '/v2.0/subnets', {
      subnet: { network_id: id, ip_version: 4, cidr: '10.30.0.0/24' },
    });
    const v6 = await call(svc, 'member', 'POST', '/v2.0/subnets', {
      subnet: {
        network_id: id,
        ip_version: 6,
        cidr: '2001:db8:30::/64',
        ipv6_ra_mode: 'slaac',
        ipv6_address_mode: 'slaac',
      },
    });
    assert.equal(v6.status, 201, JSON.stringify(v6.body));
    const port = await call(svc, 'member', 'POST', '/v2.0/ports', { port: { network_id: id } });
    assert.equal(port.body.port.fixed_ips.length, 2);
    const inUse = await call(svc, 'member', 'DELETE', `/v2.0/subnets/${v4.body.subnet.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'SubnetInUse');
    assert.equal((await call(svc, 'member', 'DELETE', `/v2.0/subnets/${v6.body.subnet.id}`)).status, 204);
    const after = await call(svc, 'member', 'GET', `/v2.0/ports/${port.body.port.id}`);
    assert.deepEqual(
      after.body.port.fixed_ips.map((f: { subnet_id: string }) => f.subnet_id),
      [v4.body.subnet.id],
    );
    assert.ok(after.body.port.revision_number > port.body.port.revision_number);
  });
});
