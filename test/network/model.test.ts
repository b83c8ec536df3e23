// Table-driven tests of the pure network model: IP math, subnet defaults and validation, MACs, segments,
// free-range bookkeeping, DHCP rendering and list queries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsmasqArgs, formatOption, renderDhcp, servingInterface } from '../../src/network/model/dhcp.ts';
import {
  canonicalIp,
  cidrsOverlap,
  formatCidr,
  formatIp,
  ipKey,
  lastAddress,
  parseCidr,
  parseIp,
} from '../../src/network/model/ip.ts';
import { freeRanges, inPools, poolRanges, splitRange } from '../../src/network/model/ipam.ts';
import { generateMac, normaliseMac, parseBaseMac } from '../../src/network/model/mac.ts';
import { mergeExtraDhcpOpts } from '../../src/network/model/port.ts';
import { filterItems, sortAndPage } from '../../src/network/model/query.ts';
import { checkGroupName, sameRule, validateRule } from '../../src/network/model/security-group.ts';
import { lowestFree, parseVlanRanges } from '../../src/network/model/segments.ts';
import { eui64, validateSubnet } from '../../src/network/model/subnet.ts';

test('IP addresses parse and print canonically', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['256.0.0.1', undefined],
    ['1.2.3', undefined],
    ['01.2.3.4', undefined],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the first of equal zero runs is compressed
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1::2::3', undefined],
    ['12345::', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
});

test('CIDRs: normalisation, bounds, overlap, keys', () => {
  const c = parseCidr('10.1.2.3/16')!;
  assert.equal(formatCidr(c), '10.1.0.0/16');
  assert.equal(lastAddress(c), parseIp('10.1.255.255')!.value);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(formatCidr(parseCidr('2001:db8::5/64')!), '2001:db8::/64');
  const overlaps: [string, string, boolean][] = [
    ['10.0.0.0/24', '10.0.0.128/25', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/8', '10.255.0.0/16', true],
    ['10.0.0.0/24', '2001:db8::/64', false],
  ];
  for (const [a, b, want] of overlaps)
    assert.equal(cidrsOverlap(parseCidr(a)!, parseCidr(b)!), want, `${a} ${b}`);
  // Fixed-width keys sort like the numbers they encode.
  const values = ['10.0.0.9', '10.0.0.10', '10.0.1.0', '9.255.255.255'].map((x) => parseIp(x)!.value);
  const byKey = [...values].sort((a, b) => (ipKey(a) < ipKey(b) ? -1 : 1));
  assert.deepEqual(
    byKey,
    [...values].sort((a, b) => (a < b ? -1 : 1)),
  );
});

test('subnet defaults: gateway, pools', () => {
  const cases: [Record<string, unknown>, string | null, { start: string; end: string }[]][] = [
    [{ cidr: '192.0.2.0/24' }, '192.0.2.1', [{ start: '192.0.2.2', end: '192.0.2.254' }]],
    [{ cidr: '192.0.2.0/24', gateway_ip: null }, null, [{ start: '192.0.2.1', end: '192.0.2.254' }]],
    [
      { cidr: '192.0.2.0/24', gateway_ip: '192.0.2.100' },
      '192.0.2.100',
      [
        { start: '192.0.2.1', end: '192.0.2.99' },
        { start: '192.0.2.101', end: '192.0.2.254' },
      ],
    ],
    [{ cidr: '192.0.2.0/30' }, '192.0.2.1', [{ start: '192.0.2.2', end: '192.0.2.2' }]],
    [
      { cidr: '2001:db8::/64' },
      '2001:db8::1',
      [{ start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' }],
    ],
  ];
  for (const [input, gateway, pools] of cases) {
    const s = validateSubnet(input);
    assert.equal(s.gatewayIp, gateway, JSON.stringify(input));
    assert.deepEqual(s.pools, pools, JSON.stringify(input));
  }
});

test('subnet validation errors name Neutron types', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ cidr: 'nonsense' }, 'InvalidInput'],
    [{ cidr: '10.0.0.0/24', ip_version: 6 }, 'InvalidInput'],
    [{ cidr: '10.0.0.0/24', gateway_ip: '10.0.0.255' }, 'InvalidInput'],
    [
      { cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.0', end: '10.0.0.5' }] },
      'OutOfBoundsAllocationPool',
    ],
    [
      { cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.9', end: '10.0.0.5' }] },
      'InvalidAllocationPool',
    ],
    [
      { cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.1', end: '10.0.0.5' }] },
      'GatewayConflictWithAllocationPools',
    ],
    [{ cidr: '10.0.0.0/24', dns_nameservers: ['2001:db8::1'] }, 'InvalidInput'],
    [
      {
        cidr: '10.0.0.0/24',
        dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'],
      },
      'DNSNameServersExhausted',
    ],
    [{ cidr: '2001:db8::/80', ipv6_address_mode: 'slaac' }, 'InvalidInput'],
    [{ cidr: '2001:db8::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'dhcpv6-stateful' }, 'InvalidInput'],
    [{ cidr: '10.0.0.0/24', ipv6_address_mode: 'slaac' }, 'InvalidInput'],
  ];
  for (const [input, type] of cases)
    assert.throws(
      () => validateSubnet(input),
      (e: { type?: string }) => e.type === type,
      JSON.stringify(input),
    );
});

test('EUI-64 addresses from MACs', () => {
  assert.equal(
    formatIp(6, eui64(parseCidr('2001:db8::/64')!, 'fa:16:3e:11:22:33')),
    '2001:db8::f816:3eff:fe11:2233',
  );
  assert.equal(
    formatIp(6, eui64(parseCidr('2001:db8:1::/64')!, '00:00:5e:00:53:01')),
    '2001:db8:1:0:200:5eff:fe00:5301',
  );
});

test('MACs: normalise, base MAC, generation', () => {
  assert.equal(normaliseMac('52-54-00-AB-CD-EF'), '52:54:00:ab:cd:ef');
  assert.equal(normaliseMac('01:00:5e:00:00:01'), undefined); // multicast
  assert.equal(normaliseMac('52:54:00:ab:cd'), undefined);
  const fixed = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0x10 + i);
  assert.equal(generateMac(parseBaseMac('fa:16:3e:00:00:00'), fixed), 'fa:16:3e:13:14:15');
  assert.equal(generateMac(parseBaseMac('fa:16:3e:4f:00:00'), fixed), 'fa:16:3e:4f:14:15');
});

test('segments: ranges and the lowest free id', () => {
  const ranges = parseVlanRanges(['physnet1:100:102', 'physnet2', 'physnet1:200:200']);
  assert.deepEqual(ranges.get('physnet1'), [
    { min: 100, max: 102 },
    { min: 200, max: 200 },
  ]);
  assert.deepEqual(ranges.get('physnet2'), []);
  const r = ranges.get('physnet1')!;
  assert.equal(lowestFree(r, []), 100);
  assert.equal(lowestFree(r, [100, 102]), 101);
  assert.equal(lowestFree(r, [100, 101, 102]), 200);
  assert.equal(lowestFree(r, [100, 101, 102, 200]), undefined);
  assert.throws(() => parseVlanRanges(['p:5:4']));
  assert.throws(() => parseVlanRanges(['p:1:5000']));
});

test('free ranges: pools minus used addresses', () => {
  const pools = [
    { first: 10n, last: 20n },
    { first: 30n, last: 31n },
  ];
  const cases: [bigint[], [bigint, bigint][]][] = [
    [
      [],
      [
        [10n, 20n],
        [30n, 31n],
      ],
    ],
    [
      [10n],
      [
        [11n, 20n],
        [30n, 31n],
      ],
    ],
    [
      [15n, 16n],
      [
        [10n, 14n],
        [17n, 20n],
        [30n, 31n],
      ],
    ],
    [[20n, 30n, 31n], [[10n, 19n]]],
    [
      [5n, 25n],
      [
        [10n, 20n],
        [30n, 31n],
      ],
    ],
  ];
  for (const [used, want] of cases)
    assert.deepEqual(
      freeRanges(pools, used).map((r) => [r.first, r.last]),
      want,
      used.join(','),
    );
});

test('IPAM: pool ranges, membership, splitting a free range', () => {
  const pools = poolRanges([
    { start: '10.0.0.2', end: '10.0.0.9' },
    { start: '10.0.0.20', end: '10.0.0.20' },
  ]);
  assert.deepEqual(pools, [
    { first: 0x0a000002n, last: 0x0a000009n },
    { first: 0x0a000014n, last: 0x0a000014n },
  ]);
  const member: [bigint, boolean][] = [
    [0x0a000001n, false],
    [0x0a000002n, true],
    [0x0a000009n, true],
    [0x0a00000an, false],
    [0x0a000014n, true],
  ];
  for (const [v, want] of member) assert.equal(inPools(v, pools), want, v.toString(16));
  const splits: [bigint, [bigint, bigint], [bigint, bigint]][] = [
    [5n, [1n, 4n], [6n, 9n]],
    [1n, [1n, 0n], [2n, 9n]],
    [9n, [1n, 8n], [10n, 9n]],
  ];
  for (const [v, below, above] of splits) {
    const s = splitRange({ first: 1n, last: 9n }, v);
    assert.deepEqual([s.below.first, s.below.last], below);
    assert.deepEqual([s.above.first, s.above.last], above);
  }
  assert.deepEqual(splitRange({ first: 4n, last: 4n }, 4n), {
    below: { first: 4n, last: 3n },
    above: { first: 5n, last: 4n },
  });
});

test('DHCP options: names, numbers, extra tags, IPv6', () => {
  const cases: [4 | 6, string, string[], string][] = [
    [4, 'bootfile-name', ['pxelinux.0'], 'tag:port-1,option:bootfile-name,pxelinux.0'],
    [4, '67', ['pxelinux.0'], 'tag:port-1,67,pxelinux.0'],
    [
      4,
      'tag:!ipxe,bootfile-name',
      ['undionly.kpxe'],
      'tag:port-1,tag:!ipxe,option:bootfile-name,undionly.kpxe',
    ],
    [4, 'tag:ipxe,67', ['http://x/boot.ipxe'], 'tag:port-1,tag:ipxe,67,http://x/boot.ipxe'],
    [
      6,
      'bootfile-url',
      ['http://[2001:db8::1]/ipxe'],
      'tag:port-1,option6:bootfile-url,http://[2001:db8::1]/ipxe',
    ],
  ];
  for (const [v, name, values, want] of cases) assert.equal(formatOption(v, 'port-1', name, ...values), want);
});

test('DHCP rendering: static hosts, router, routes with the default route, metadata route, per-port tags', () => {
  const subnet = {
    id: 's1',
    cidr: '192.0.2.0/24',
    ip_version: 4 as const,
    gateway_ip: '192.0.2.1',
    enable_dhcp: true,
    dns_nameservers: ['8.8.8.8'],
    host_routes: [],
    ipv6_address_mode: null,
  };
  const port = (
    id: string,
    mac: string,
    ip: string,
    opts: { opt_name: string; opt_value: string }[] = [],
  ) => ({
    id,
    mac_address: mac,
    admin_state_up: true,
    dns_name: '',
    device_owner: '',
    fixed_ips: [{ subnet_id: 's1', ip_address: ip }],
    extra_dhcp_opts: opts.map((o) => ({ ...o, ip_version: 4 as const })),
  });
  const c = renderDhcp(
    [subnet, { ...subnet, id: 's2', cidr: '198.51.100.0/24', enable_dhcp: false }],
    [
      port('b', '52:54:00:00:00:02', '192.0.2.11', [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' }]),
      port('a', '52:54:00:00:00:01', '192.0.2.10'),
      {
        ...port('c', '52:54:00:00:00:03', '198.51.100.5'),
        fixed_ips: [{ subnet_id: 's2', ip_address: '198.51.100.5' }],
      },
      { ...port('d', '52:54:00:00:00:04', '192.0.2.2'), device_owner: 'network:dhcp' },
    ],
    { domain: 'openstacklocal', leaseSeconds: 600, metadataNexthop: '192.0.2.1' },
  );
  assert.equal(
    c.hosts,
    '52:54:00:00:00:01,host-192-0-2-10.openstacklocal.,192.0.2.10\n' +
      '52:54:00:00:00:02,host-192-0-2-11.openstacklocal.,192.0.2.11\n',
  );
  assert.deepEqual(c.ranges, ['set:subnet-s1,192.0.2.0,static,255.255.255.0,600s']);
  assert.deepEqual(c.macTags, ['set:port-b,52:54:00:00:00:02']);
  assert.equal(
    c.opts,
    [
      'tag:subnet-s1,option:dns-server,8.8.8.8',
      'tag:subnet-s1,option:domain-search,openstacklocal',
      'tag:subnet-s1,option:classless-static-route,169.254.169.254/32,192.0.2.1,0.0.0.0/0,192.0.2.1',
      'tag:subnet-s1,249,169.254.169.254/32,192.0.2.1,0.0.0.0/0,192.0.2.1',
      'tag:subnet-s1,option:router,192.0.2.1',
      'tag:port-b,option:bootfile-name,pxelinux.0',
      '',
    ].join('\n'),
  );
});

test('extra DHCP option updates replace by name and remove on null', () => {
  const cur = [
    { opt_name: 'a', opt_value: '1', ip_version: 4 as const },
    { opt_name: 'b', opt_value: '2', ip_version: 4 as const },
  ];
  const out = mergeExtraDhcpOpts(cur, [
    { opt_name: 'a', remove: true, ip_version: 4 },
    { opt_name: 'b', opt_value: '3', ip_version: 4 },
    { opt_name: 'c', opt_value: '4', ip_version: 6 },
  ]);
  assert.deepEqual(
    out.map((o) => `${o.opt_name}=${o.opt_value}/${o.ip_version}`),
    ['b=3/4', 'c=4/6'],
  );
});

test('list queries: booleans, nested fixed_ips, tags, sort and pages', () => {
  const items = [
    { id: '1', name: 'x', shared: true, tags: ['a'], fixed_ips: [{ ip_address: '10.0.0.1' }] },
    { id: '2', name: 'y', shared: false, tags: ['a', 'b'], fixed_ips: [{ ip_address: '10.0.0.2' }] },
    { id: '3', name: 'y', shared: false, tags: [], fixed_ips: [] },
  ];
  const ids = (params: Record<string, string | string[]>) => filterItems(items, params).map((i) => i.id);
  assert.deepEqual(ids({ shared: 'True' }), ['1']);
  assert.deepEqual(ids({ name: ['x', 'y'] }), ['1', '2', '3']);
  assert.deepEqual(ids({ fixed_ips: 'ip_address=10.0.0.2' }), ['2']);
  assert.deepEqual(ids({ tags: 'a,b' }), ['2']);
  assert.deepEqual(ids({ 'tags-any': 'b' }), ['2']);
  assert.deepEqual(ids({ 'not-tags': 'a' }), ['3']);
  assert.deepEqual(ids({ unknown_attribute: 'z' }), ['1', '2', '3']);
  const page = sortAndPage(
    items,
    { sort_key: 'name', sort_dir: 'desc', limit: '2' },
    ['name', 'id'],
    'Network',
  );
  assert.deepEqual(
    page.items.map((i) => i.id),
    ['3', '2'],
  );
  assert.equal(page.next, '2');
  const last = sortAndPage(
    items,
    { sort_key: 'name', sort_dir: 'desc', limit: '2', marker: '2' },
    ['name', 'id'],
    'Network',
  );
  assert.deepEqual(
    last.items.map((i) => i.id),
    ['1'],
  );
  assert.equal(last.next, undefined);
  assert.throws(
    () => sortAndPage(items, { marker: 'nope' }, ['id'], 'Network'),
    /Network nope could not be found/,
  );
  assert.throws(
    () => sortAndPage(items, { sort_key: 'tags' }, ['id'], 'Network'),
    /invalid attribute for sort_key/,
  );
});

test('the interface serving a network: flat uses the mapping, VLAN its sub-interface, tunnels none', () => {
  const m = { ctlplane: 'br-ctlplane' };
  const cases: [string, string | null, number | null, string | undefined][] = [
    ['flat', 'ctlplane', null, 'br-ctlplane'],
    ['vlan', 'ctlplane', 101, 'br-ctlplane.101'],
    ['flat', 'other', null, undefined],
    ['vxlan', null, 5, undefined],
  ];
  for (const [type, physnet, seg, want] of cases)
    assert.equal(
      servingInterface({ network_type: type, physical_network: physnet, segmentation_id: seg }, m),
      want,
      `${type} ${physnet}`,
    );
});

test('security group rules validate as Neutron does', () => {
  const base = { direction: 'ingress' };
  const ok: [Record<string, unknown>, Record<string, unknown>][] = [
    [
      { protocol: 'TCP', port_range_min: 22, port_range_max: 22 },
      { protocol: 'tcp', port_range_min: 22 },
    ],
    [
      { protocol: '6', port_range_min: '80', port_range_max: '81' },
      { protocol: '6', port_range_max: 81 },
    ],
    [
      { protocol: 'icmp', port_range_min: 8, port_range_max: 0 },
      { protocol: 'icmp', port_range_min: 8 },
    ],
    [{ protocol: 'icmp', port_range_min: 8 }, { port_range_max: null }],
    [{ protocol: 'icmp', ethertype: 'IPv6' }, { protocol: 'ipv6-icmp' }],
    [
      { protocol: 'icmpv6', ethertype: 'ipv6' },
      { protocol: 'ipv6-icmp', ethertype: 'IPv6' },
    ],
    [{ protocol: '1', ethertype: 'IPv6' }, { protocol: '58' }],
    [{ protocol: 'ipv6-icmp', ethertype: 'IPv6', port_range_min: 135 }, { port_range_min: 135 }],
    [{ protocol: 'any' }, { protocol: null }],
    [{ protocol: 'vrrp' }, { protocol: 'vrrp' }],
    [{ protocol: '255' }, { protocol: '255' }],
    [{ remote_ip_prefix: '10.0.0.1' }, { remote_ip_prefix: '10.0.0.1/32' }],
    [{ remote_ip_prefix: '2001:db8::/64', ethertype: 'IPv6' }, { remote_ip_prefix: '2001:db8::/64' }],
  ];
  for (const [input, want] of ok) {
    const got = validateRule({ ...base, ...input }) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${JSON.stringify(input)}: ${k}`);
  }
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ protocol: 'bad_protocol_name' }, 'SecurityGroupRuleInvalidProtocol', /protocol bad_protocol_name/],
    [{ protocol: '256' }, 'SecurityGroupRuleInvalidProtocol', /not supported/],
    [
      { protocol: 'tcp', port_range_min: -16, port_range_max: 80 },
      'SecurityGroupInvalidPortValue',
      /Invalid value for port -16/,
    ],
    [
      { protocol: 'tcp', port_range_min: 80, port_range_max: 79 },
      'SecurityGroupInvalidPortRange',
      /port_range_min must be <= port_range_max/,
    ],
    [
      { protocol: 'tcp', port_range_min: 80, port_range_max: 65536 },
      'SecurityGroupInvalidPortValue',
      /Invalid value for port 65536/,
    ],
    [
      { protocol: 'tcp', port_range_max: 6 },
      'SecurityGroupInvalidPortRange',
      /port_range_min must be <= port_range_max/,
    ],
    [{ protocol: 'tcp', port_range_min: 0, port_range_max: 6 }, 'SecurityGroupInvalidPortValue', /port 0/],
    [
      { protocol: 'icmp', port_range_min: 1, port_range_max: 256 },
      'SecurityGroupInvalidIcmpValue',
      /Invalid value for ICMP code/,
    ],
    [
      { protocol: 'icmp', port_range_min: -1, port_range_max: 25 },
      'SecurityGroupInvalidPortValue',
      /Invalid value/,
    ],
    [
      { protocol: 'icmp', port_range_max: 6 },
      'SecurityGroupMissingIcmpType',
      /ICMP type \(port-range-min\) is missing/,
    ],
    [
      { protocol: 'icmp', port_range_min: 300, port_range_max: 1 },
      'SecurityGroupInvalidIcmpValue',
      /Invalid value for ICMP type/,
    ],
    [
      { protocol: 'gre', port_range_min: 1, port_range_max: 2 },
      'SecurityGroupInvalidProtocolForPort',
      /Invalid protocol 47/,
    ],
    [
      { port_range_min: 1, port_range_max: 2 },
      'SecurityGroupProtocolRequiredWithPorts',
      /Must also specify protocol/,
    ],
    [
      { protocol: 'ipv6-icmp' },
      'SecurityGroupEthertypeConflictWithProtocol',
      /Invalid ethertype IPv4 for protocol ipv6-icmp/,
    ],
    [{ protocol: '58', ethertype: 'IPv4' }, 'SecurityGroupEthertypeConflictWithProtocol', /ethertype IPv4/],
    [{ ethertype: 'bad_ethertype' }, 'InvalidInput', /bad_ethertype/],
    [{ direction: 'sideways' }, 'InvalidInput', /sideways/],
    [{ remote_ip_prefix: '192.168.1./24' }, 'InvalidCIDR', /not a valid IP prefix/],
    [{ remote_ip_prefix: '192.168.1.1/33' }, 'InvalidCIDR', /not a valid IP prefix/],
    [
      { remote_ip_prefix: '2001:db8::/48' },
      'SecurityGroupRuleParameterConflict',
      /Conflicting value ethertype IPv4/,
    ],
    [
      { ethertype: 'IPv6', remote_ip_prefix: '10.100.0.0/16' },
      'SecurityGroupRuleParameterConflict',
      /Conflicting value ethertype IPv6/,
    ],
    [
      { remote_ip_prefix: '10.0.0.0/8', remote_group_id: 'g' },
      'SecurityGroupRemoteGroupAndRemoteIpPrefix',
      /Only remote_ip_prefix or remote_group_id/,
    ],
  ];
  for (const [input, type, message] of bad)
    assert.throws(
      () => validateRule({ ...base, ...input }),
      (e: { type?: string; status?: number; message: string }) => e.type === type && message.test(e.message),
      JSON.stringify(input),
    );
});

test('security group rules compare as Neutron compares them; "default" is reserved', () => {
  const r = (x: Record<string, unknown>) => validateRule({ direction: 'ingress', ...x });
  assert.ok(sameRule(r({ protocol: 'tcp' }), r({ protocol: '6' })));
  assert.ok(sameRule(r({ remote_ip_prefix: '0.0.0.0/0' }), r({})));
  assert.ok(sameRule(r({ ethertype: 'IPv6', protocol: 'icmp' }), r({ ethertype: 'IPv6', protocol: '58' })));
  assert.ok(!sameRule(r({ protocol: 'tcp' }), r({ protocol: 'udp' })));
  assert.ok(!sameRule(r({ protocol: 'tcp', port_range_min: 1, port_range_max: 2 }), r({ protocol: 'tcp' })));
  for (const name of ['default', 'Default', 'DEFAULT'])
    assert.throws(
      () => checkGroupName(name),
      (e: { type?: string }) => e.type === 'SecurityGroupDefaultAlreadyExists',
    );
  checkGroupName('web');
  checkGroupName(undefined);
});

test('dnsmasq serves TFTP only when given a root', () => {
  const c = { hosts: '', opts: '', ranges: [], macTags: [], hostCount: 0 };
  const base = { domain: 'd', leaseSeconds: 60, metadataNexthop: null };
  const off = dnsmasqArgs('/x', 'br', c, base);
  assert.ok(!off.some((a) => a.includes('tftp')));
  const on = dnsmasqArgs('/x', 'br', c, { ...base, tftpRoot: '/usr/lib/ipxe' });
  assert.ok(on.includes('--enable-tftp'));
  assert.ok(on.includes('--tftp-root=/usr/lib/ipxe'));
  assert.ok(on.includes('--dhcp-match=set:ipxe,175'));
});
