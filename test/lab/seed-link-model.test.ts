// The pure parts of joining the lab to a seed: the subnet made from the bridge's address, the seed's DHCP
// defaults (kept out of the way of an operator's own), the namespace named after the state directory, and
// which of the seed's ports are forwarded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labSubnet, seedForwardPorts } from '../../src/lab/seed-link.ts';
import {
  labDhcpSettings,
  labId,
  labNetns,
  withLabBaremetal,
  withLabCompute,
  withLabDhcp,
} from '../../src/lab/seed-settings.ts';

describe('labSubnet', () => {
  const cases: [string, ReturnType<typeof labSubnet>][] = [
    ['192.0.2.1/24', { cidr: '192.0.2.0/24', gateway: '192.0.2.1', start: '192.0.2.2', end: '192.0.2.254' }],
    [
      '192.0.2.254/24',
      { cidr: '192.0.2.0/24', gateway: '192.0.2.254', start: '192.0.2.1', end: '192.0.2.253' },
    ],
    [
      '10.20.5.1/16',
      { cidr: '10.20.0.0/16', gateway: '10.20.5.1', start: '10.20.5.2', end: '10.20.255.254' },
    ],
    [
      '172.16.0.9/29',
      { cidr: '172.16.0.8/29', gateway: '172.16.0.9', start: '172.16.0.10', end: '172.16.0.14' },
    ],
  ];
  for (const [cidr, want] of cases) test(cidr, () => assert.deepEqual(labSubnet(cidr), want));
  for (const bad of ['192.0.2.1/30', '192.0.2.1/4'])
    test(`refuses ${bad}`, () => assert.throws(() => labSubnet(bad), /prefix must be 8\.\.29/));
});

describe('the seed DHCP defaults for the lab', () => {
  test('the namespace and id follow from the state directory', () => {
    assert.match(labId('/var/lib/ooo'), /^[0-9a-f]{6}$/);
    assert.equal(labId('/var/lib/ooo'), labId('/var/lib/ooo/'));
    assert.notEqual(labId('/var/lib/ooo'), labId('/var/lib/ooo2'));
    assert.equal(labNetns('/var/lib/ooo'), `ooo-lab-${labId('/var/lib/ooo')}`);
  });
  const lab = labDhcpSettings('/s');
  const cases: [string, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>][] =
    [
      ['nothing configured', {}, { network: { dhcp: lab } }],
      [
        'other network settings kept',
        { network: { default_mtu: 1400, dhcp: { lease_seconds: 60 } }, image: { x: 1 } },
        { network: { default_mtu: 1400, dhcp: { ...lab, lease_seconds: 60 } }, image: { x: 1 } },
      ],
      [
        "an operator's mappings win",
        { network: { dhcp: { physical_interface_mappings: { ctlplane: 'br-ctlplane' } } } },
        { network: { dhcp: { physical_interface_mappings: { ctlplane: 'br-ctlplane' } } } },
      ],
      [
        "an operator's top-level mappings win",
        { network: { physical_interface_mappings: { ctlplane: 'eth1' } } },
        { network: { physical_interface_mappings: { ctlplane: 'eth1' } } },
      ],
      [
        "an operator's command prefix wins",
        { network: { dhcp: { command_prefix: ['ip', 'netns', 'exec', 'prov'] } } },
        { network: { dhcp: { command_prefix: ['ip', 'netns', 'exec', 'prov'] } } },
      ],
    ];
  for (const [name, given, want] of cases) test(name, () => assert.deepEqual(withLabDhcp(given, '/s'), want));
  test('physical network lab on br-lab, dnsmasq in the namespace, TFTP from the ipxe package', () =>
    assert.deepEqual(lab, {
      physical_interface_mappings: { lab: 'br-lab' },
      command_prefix: ['ip', 'netns', 'exec', labNetns('/s')],
      tftp_root: '/usr/lib/ipxe',
    }));
  const bm: [string, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>][] = [
    [
      'bare metal boots on the lab network and reaches its agents through the lab',
      {},
      { baremetal: { provisioningNetwork: 'lab-provisioning', agentSocket: '/s/lab/fwd/into-lab.sock' } },
    ],
    [
      "an operator's provisioning network wins",
      { baremetal: { provisioningNetwork: 'ctlplane', x: 1 } },
      { baremetal: { provisioningNetwork: 'ctlplane', x: 1 } },
    ],
  ];
  for (const [name, given, want] of bm)
    test(name, () => assert.deepEqual(withLabBaremetal(given, 'lab-provisioning', '/s'), want));
  const compute: [
    string,
    Record<string, Record<string, unknown>>,
    Record<string, Record<string, unknown>>,
  ][] = [
    [
      'servers get their port on the lab network',
      {},
      { compute: { provisioningNetwork: 'lab-provisioning' } },
    ],
    [
      "an operator's network for servers wins",
      { compute: { provisioningNetwork: 'ctlplane', pollMs: 5 } },
      { compute: { provisioningNetwork: 'ctlplane', pollMs: 5 } },
    ],
  ];
  for (const [name, given, want] of compute)
    test(name, () => assert.deepEqual(withLabCompute(given, 'lab-provisioning'), want));
});

describe('seedForwardPorts', () => {
  const cases: [Record<string, string>, number[]][] = [
    [
      {
        identity: 'http://127.0.0.1:5000',
        image: 'http://127.0.0.1:9292',
        baremetal: 'http://127.0.0.1:6385',
      },
      [5000, 6385, 9292],
    ],
    [{ identity: 'http://localhost:5000', image: 'http://10.0.0.5:9292' }, [5000]],
    [{ a: 'http://127.0.0.1:8775', b: 'http://127.0.0.1:8775' }, [8775]],
  ];
  for (const [services, want] of cases)
    test(JSON.stringify(services), () =>
      assert.deepEqual(seedForwardPorts({ services, cloudsYaml: '' }), want),
    );
});
