// The real `openstack` CLI (python3-openstackclient 6.0) against a seed running identity and network.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is read freely
type Json = any;

describe('openstack CLI against the network service', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  const os = async (...args: string[]): Promise<Json> => {
    const r = await openstack(seed.cliEnv, args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stderr}`);
    return args.includes('json') ? r.json() : r.stdout;
  };
  const fails = async (...args: string[]): Promise<string> => {
    const r = await openstack(seed.cliEnv, args);
    assert.notEqual(r.code, 0, `openstack ${args.join(' ')} should fail:\n${r.stdout}`);
    return r.stderr;
  };

  before(async () => {
    seed = await startTestSeed();
  });
  after(() => seed?.stop());

  test('network, subnet and port create with every option; show; list with filters', async () => {
    const net = await os(
      'network',
      'create',
      '--provider-network-type',
      'flat',
      '--provider-physical-network',
      'ctlplane',
      '--share',
      '--mtu',
      '1450',
      '--description',
      'provisioning',
      '--tag',
      'tripleo',
      'ctlplane',
      '-f',
      'json',
    );
    assert.equal(net.name, 'ctlplane');
    assert.equal(net['provider:network_type'] ?? net.provider_network_type, 'flat');
    assert.equal(net.mtu, 1450);
    assert.equal(net.shared ?? net.is_shared, true);
    const sub = await os(
      'subnet',
      'create',
      '--network',
      'ctlplane',
      '--subnet-range',
      '192.0.2.0/24',
      '--allocation-pool',
      'start=192.0.2.10,end=192.0.2.50',
      '--gateway',
      '192.0.2.1',
      '--dns-nameserver',
      '8.8.8.8',
      '--host-route',
      'destination=169.254.169.254/32,gateway=192.0.2.1',
      'ctlplane-subnet',
      '-f',
      'json',
    );
    assert.equal(sub.cidr, '192.0.2.0/24');
    assert.equal(sub.gateway_ip, '192.0.2.1');
    assert.match(JSON.stringify(sub.allocation_pools), /192\.0\.2\.10.*192\.0\.2\.50/);
    assert.match(JSON.stringify(sub.host_routes), /169\.254\.169\.254\/32/);
    const port = await os(
      'port',
      'create',
      '--network',
      'ctlplane',
      '--mac-address',
      '52:54:00:12:34:56',
      '--fixed-ip',
      'subnet=ctlplane-subnet,ip-address=192.0.2.20',
      '--vnic-type',
      'baremetal',
      '--host',
      'node-1',
      '--binding-profile',
      '{"local_link_information":[{"switch_id":"aa:bb:cc:dd:ee:ff","port_id":"Eth1"}]}',
      '--extra-dhcp-option',
      'name=tag:!ipxe,bootfile-name,value=undionly.kpxe',
      '--extra-dhcp-option',
      'name=tftp-server,value=192.0.2.1',
      '--allowed-address',
      'ip-address=192.0.2.200',
      '--device',
      'instance-1',
      '--device-owner',
      'baremetal:none',
      '--tag',
      'pxe',
      'p1',
      '-f',
      'json',
    );
    assert.equal(port.mac_address, '52:54:00:12:34:56');
    assert.match(JSON.stringify(port.fixed_ips), /192\.0\.2\.20/);
    assert.equal(port.binding_vnic_type, 'baremetal');
    assert.equal(port.binding_host_id, 'node-1');
    assert.match(JSON.stringify(port.binding_profile), /Eth1/);
    assert.match(JSON.stringify(port.extra_dhcp_opts), /undionly\.kpxe/);
    assert.match(JSON.stringify(port.allowed_address_pairs), /192\.0\.2\.200/);
    const auto = await os('port', 'create', '--network', 'ctlplane', 'p2', '-f', 'json');
    assert.match(JSON.stringify(auto.fixed_ips), /192\.0\.2\.10\b/);
    assert.match(auto.mac_address, /^fa:16:3e:/);

    const [shown, byNetwork, byMac, nets, subs] = await Promise.all([
      os('port', 'show', 'p1', '-f', 'json'),
      os('port', 'list', '--network', 'ctlplane', '-f', 'json'),
      os('port', 'list', '--mac-address', '52:54:00:12:34:56', '-f', 'json'),
      os('network', 'list', '--name', 'ctlplane', '-f', 'json'),
      os('subnet', 'list', '--network', 'ctlplane', '-f', 'json'),
    ]);
    assert.equal(shown.id, port.id);
    assert.deepEqual(byNetwork.map((p: Json) => p.Name).sort(), ['p1', 'p2']);
    assert.deepEqual(
      byMac.map((p: Json) => p.Name),
      ['p1'],
    );
    assert.deepEqual(
      nets.map((n: Json) => n.ID),
      [net.id],
    );
    assert.deepEqual(
      subs.map((s: Json) => s.Name),
      ['ctlplane-subnet'],
    );
  });

  test('VLAN provider network, external, security groups, port without port security, agents', async () => {
    const [vlan, [sg, rule], agents] = await Promise.all([
      os(
        'network',
        'create',
        '--provider-network-type',
        'vlan',
        '--provider-physical-network',
        'datacentre',
        '--provider-segment',
        '101',
        '--external',
        'vlan101',
        '-f',
        'json',
      ),
      (async () => {
        const group = await os(
          'security',
          'group',
          'create',
          '--description',
          'web servers',
          'web',
          '-f',
          'json',
        );
        const r = await os(
          'security',
          'group',
          'rule',
          'create',
          '--protocol',
          'tcp',
          '--dst-port',
          '22',
          '--remote-ip',
          '10.0.0.0/8',
          'web',
          '-f',
          'json',
        );
        return [group, r];
      })(),
      os('network', 'agent', 'list', '-f', 'json'),
    ]);
    assert.equal(vlan['provider:segmentation_id'] ?? vlan.provider_segmentation_id, 101);
    assert.equal(vlan['router:external'] ?? vlan.is_router_external, true);
    assert.equal(rule.port_range_min, 22);
    assert.equal(rule.security_group_id, sg.id);
    assert.deepEqual(agents, []); // no DHCP interface is mapped in this seed
    const port = await os(
      'port',
      'create',
      '--network',
      'vlan101',
      '--no-security-group',
      '--disable-port-security',
      '--no-fixed-ip',
      'p-nosec',
      '-f',
      'json',
    );
    assert.equal(port.port_security_enabled, false);
    assert.deepEqual(port.security_group_ids ?? port.security_groups, []);
    assert.deepEqual(port.fixed_ips, []);
    await Promise.all([
      (async () => {
        await os('port', 'delete', 'p-nosec');
        await os('network', 'delete', 'vlan101');
      })(),
      os('security', 'group', 'delete', 'web'),
    ]);
  });

  test('set and unset', async () => {
    // Three resources, three independent chains: run them side by side (each CLI call costs seconds).
    await Promise.all([
      (async () => {
        await os('network', 'set', '--name', 'ctlplane', '--description', 'prov2', '--no-share', 'ctlplane');
        await os('network', 'unset', '--tag', 'tripleo', 'ctlplane');
      })(),
      (async () => {
        await os(
          'subnet',
          'set',
          '--dns-nameserver',
          '1.1.1.1',
          '--name',
          'ctlplane-subnet',
          'ctlplane-subnet',
        );
        await os('subnet', 'unset', '--dns-nameserver', '8.8.8.8', 'ctlplane-subnet');
      })(),
      (async () => {
        await os(
          'port',
          'set',
          '--name',
          'p1b',
          '--no-fixed-ip',
          '--fixed-ip',
          'subnet=ctlplane-subnet,ip-address=192.0.2.21',
          '--extra-dhcp-option',
          'name=server-ip-address,value=192.0.2.1',
          'p1',
        );
        await os(
          'port',
          'unset',
          '--allowed-address',
          'ip-address=192.0.2.200,mac-address=52:54:00:12:34:56',
          '--tag',
          'pxe',
          'p1b',
        );
      })(),
    ]);
    const [net, sub, port] = await Promise.all([
      os('network', 'show', 'ctlplane', '-f', 'json'),
      os('subnet', 'show', 'ctlplane-subnet', '-f', 'json'),
      os('port', 'show', 'p1b', '-f', 'json'),
    ]);
    assert.equal(net.description, 'prov2');
    assert.equal(net.shared ?? net.is_shared, false);
    assert.deepEqual(net.tags, []);
    assert.deepEqual(sub.dns_nameservers, ['1.1.1.1']);
    assert.match(JSON.stringify(port.fixed_ips), /192\.0\.2\.21/);
    assert.doesNotMatch(JSON.stringify(port.fixed_ips), /192\.0\.2\.20"/);
    assert.match(JSON.stringify(port.extra_dhcp_opts), /server-ip-address/);
    assert.match(JSON.stringify(port.extra_dhcp_opts), /undionly/);
    assert.deepEqual(port.allowed_address_pairs, []);
  });

  test('conflicts and not-found errors as the CLI shows them', async () => {
    const [mac, ip, missing, inUse, badPool] = await Promise.all([
      fails('port', 'create', '--network', 'ctlplane', '--mac-address', '52:54:00:12:34:56', 'p3'),
      fails('port', 'create', '--network', 'ctlplane', '--fixed-ip', 'ip-address=192.0.2.21', 'p4'),
      fails('network', 'show', 'no-such-net'),
      fails('network', 'delete', 'ctlplane'),
      fails(
        'subnet',
        'create',
        '--network',
        'ctlplane',
        '--subnet-range',
        '198.51.100.0/24',
        '--allocation-pool',
        'start=198.51.101.1,end=198.51.101.9',
        'bad',
      ),
    ]);
    assert.match(mac, /The mac address 52:54:00:12:34:56 is in use/);
    assert.match(ip, /IP address 192\.0\.2\.21 already allocated/);
    assert.match(missing, /No Network found for no-such-net/);
    assert.match(inUse, /There are one or more ports still in use on the network/);
    assert.match(badPool, /spans beyond the subnet cidr/);
  });

  test('quota set and show', async () => {
    // OSC 6.0's `quota set` builds a compute client even for network-only options and stops when the catalog
    // has no compute endpoint. Nova is not in this build yet, so a catalog entry stands in; nothing calls it.
    await seed.seed.identity!.registerEndpoints(seed.seed.ctx, [
      { type: 'compute', name: 'nova', url: `${seed.urls.network}/placeholder-compute`, region: 'RegionOne' },
    ]);
    await os('quota', 'set', '--ports', '100', '--networks', '7', 'admin');
    const rows: Json[] = await os(
      'quota',
      'list',
      '--network',
      '--detail',
      '--project',
      'admin',
      '-f',
      'json',
    );
    const limit = (r: string) => rows.find((x) => x.Resource === r)?.Limit;
    assert.equal(limit('ports'), 100);
    assert.equal(limit('networks'), 7);
    assert.equal(rows.find((x) => x.Resource === 'networks')?.['In Use'], 1);
  });

  test('security groups: the default group is reserved; rules as Neutron validates them', async () => {
    assert.match(
      await fails('security', 'group', 'create', 'default'),
      /Default security group already exists/,
    );
    const groups: Json[] = await os('security', 'group', 'list', '--project', 'admin', '-f', 'json');
    const dflt = groups.find((g) => g.Name === 'default');
    assert.ok(dflt, JSON.stringify(groups));
    assert.match(
      await fails('security', 'group', 'set', '--name', 'other', dflt.ID),
      /Updating default security group not allowed/,
    );
    await os('security', 'group', 'create', 'web');
    const icmp6 = await os(
      'security',
      'group',
      'rule',
      'create',
      '--ethertype',
      'IPv6',
      '--protocol',
      'ipv6-icmp',
      '--icmp-type',
      '135',
      'web',
      '-f',
      'json',
    );
    assert.equal(icmp6.protocol, 'ipv6-icmp');
    assert.equal(icmp6.port_range_min, 135);
    await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', 'web');
    assert.match(
      await fails('security', 'group', 'rule', 'create', '--protocol', '6', '--dst-port', '22', 'web'),
      /Security group rule already exists/,
    );
    assert.match(
      // (without --ethertype the CLI itself picks IPv6 for ipv6-icmp)
      await fails(
        'security',
        'group',
        'rule',
        'create',
        '--ethertype',
        'IPv4',
        '--protocol',
        'ipv6-icmp',
        'web',
      ),
      /Invalid ethertype IPv4 for protocol ipv6-icmp/,
    );
    assert.match(
      await fails('security', 'group', 'rule', 'create', '--protocol', 'gre', '--dst-port', '5', 'web'),
      /Invalid protocol 47 for port range/,
    );
    await os('security', 'group', 'delete', 'web');
  });

  test('delete', async () => {
    await os('port', 'delete', 'p1b', 'p2');
    await os('subnet', 'delete', 'ctlplane-subnet');
    await os('network', 'delete', 'ctlplane');
    assert.deepEqual(await os('network', 'list', '-f', 'json'), []);
  });
});
