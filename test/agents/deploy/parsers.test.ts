// Table tests of the pure parsers: /proc and /sys text, the kernel command line, lookup answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCmdline, splitCmdline } from '../../../src/agents/deploy/cmdline.ts';
import {
  normaliseMac,
  parseBlockDevices,
  parseCpuinfo,
  parseInterfaces,
  parseMeminfo,
  pickRootDisk,
} from '../../../src/agents/deploy/hardware.ts';
import { minVersion, parseLookup } from '../../../src/agents/deploy/ironic-client.ts';

const CPU2 = `processor\t: 0
vendor_id\t: GenuineIntel
model name\t: QEMU Virtual CPU version 2.5+
cpu MHz\t\t: 2399.998
physical id\t: 0
flags\t\t: fpu de pse tsc msr

processor\t: 1
model name\t: QEMU Virtual CPU version 2.5+
cpu MHz\t\t: 2399.998
physical id\t: 1
flags\t\t: fpu de pse tsc msr
`;
const ARM = `processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm

processor\t: 1
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm

CPU implementer\t: 0x41
`;

describe('parseCpuinfo', () => {
  const cases = [
    {
      name: 'x86, two sockets',
      text: CPU2,
      arch: 'x86_64',
      count: 2,
      model: 'QEMU Virtual CPU version 2.5+',
      freq: '2399.998',
      flags: ['fpu', 'de', 'pse', 'tsc', 'msr'],
      sockets: 2,
    },
    {
      name: 'arm: Features, no model, no physical id',
      text: ARM,
      arch: 'aarch64',
      count: 2,
      model: '',
      freq: '',
      flags: ['fp', 'asimd', 'evtstrm'],
      sockets: 1,
    },
    { name: 'empty', text: '', arch: 'x86_64', count: 0, model: '', freq: '', flags: [], sockets: 1 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = parseCpuinfo(c.text, c.arch);
      assert.equal(r.count, c.count);
      assert.equal(r.model_name, c.model);
      assert.equal(r.frequency, c.freq);
      assert.deepEqual(r.flags, c.flags);
      assert.equal(r.socket_count, c.sockets);
      assert.equal(r.architecture, c.arch);
    });
});

describe('parseMeminfo', () => {
  const cases = [
    { text: 'MemTotal:        2030592 kB\nMemFree: 1 kB\n', total: 2030592 * 1024, mb: 1983 },
    { text: 'MemFree: 1 kB\nMemTotal: 1048576 kB\n', total: 1073741824, mb: 1024 },
  ];
  for (const c of cases)
    it(`${c.mb} MiB`, () => assert.deepEqual(parseMeminfo(c.text), { total: c.total, physical_mb: c.mb }));
  it('no MemTotal is an error', () => assert.throws(() => parseMeminfo('MemFree: 1 kB'), /MemTotal missing/));
});

describe('parseBlockDevices', () => {
  const vda = {
    name: 'vda',
    size: '8388608\n',
    rotational: '1\n',
    hasDevice: true,
    model: undefined,
    vendor: '0x1af4\n',
  };
  const cases = [
    {
      name: 'a virtio disk',
      devs: [vda],
      want: [{ name: '/dev/vda', size: 4294967296, rotational: true, vendor: '0x1af4' }],
    },
    {
      name: 'loop, ram, dm, removable and empty devices are not disks; sorted by name',
      devs: [
        { name: 'loop0', size: '100', hasDevice: true },
        { name: 'ram0', size: '100', hasDevice: true },
        { name: 'dm-0', size: '100', hasDevice: false },
        { name: 'sr0', size: '100', hasDevice: true },
        { name: 'sdb', size: '2048', removable: '1', hasDevice: true },
        { name: 'sdc', size: '0', hasDevice: true },
        {
          name: 'sda',
          size: '4096',
          rotational: '0',
          logicalBlockSize: '4096',
          hasDevice: true,
          serial: 'S1 \n',
        },
        vda,
      ],
      want: [
        {
          name: '/dev/sda',
          size: 2097152,
          rotational: false,
          vendor: '',
          serial: 'S1',
          logical_sectors: 4096,
        },
        { name: '/dev/vda', size: 4294967296, rotational: true, vendor: '0x1af4' },
      ],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = parseBlockDevices(c.devs);
      assert.equal(got.length, c.want.length);
      c.want.forEach((w, i) => {
        for (const [k, v] of Object.entries(w))
          assert.equal((got[i] as unknown as Record<string, unknown>)[k], v, k);
      });
    });
});

describe('parseInterfaces and MACs', () => {
  it('physical Ethernet NICs only, MACs lower-cased, carrier read', () => {
    const got = parseInterfaces(
      [
        { name: 'lo', address: '00:00:00:00:00:00', hasDevice: false },
        { name: 'eth1', address: '52:54:00:AA:BB:02\n', carrier: '0', type: '1', hasDevice: true },
        { name: 'eth0', address: '52:54:00:aa:bb:01\n', carrier: '1\n', type: '1\n', hasDevice: true },
        { name: 'br0', address: '52:54:00:aa:bb:09', type: '1', hasDevice: false },
        { name: 'ib0', address: '80:00:00:48:fe:80', type: '32', hasDevice: true },
        { name: 'eth2', address: 'garbage', type: '1', hasDevice: true },
      ],
      { eth0: '10.0.0.5' },
    );
    assert.deepEqual(got, [
      { name: 'eth0', mac_address: '52:54:00:aa:bb:01', ipv4_address: '10.0.0.5', has_carrier: true },
      { name: 'eth1', mac_address: '52:54:00:aa:bb:02', ipv4_address: null, has_carrier: false },
    ]);
  });
  const macs: Array<[string, string | undefined]> = [
    ['52:54:00:12:34:56', '52:54:00:12:34:56'],
    ['52-54-00-12-34-AB', '52:54:00:12:34:ab'],
    ['525400123456', '52:54:00:12:34:56'],
    ['00:00:00:00:00:00', undefined],
    ['52:54:00:12:34', undefined],
    ['zz:54:00:12:34:56', undefined],
  ];
  for (const [inp, want] of macs) it(`normaliseMac ${inp}`, () => assert.equal(normaliseMac(inp), want));
  it('root disk: the smallest of at least 4 GiB, else the first', () => {
    const d = (name: string, gib: number) => ({ name, size: gib * 1024 ** 3 }) as never;
    assert.equal(pickRootDisk([d('a', 2), d('b', 100), d('c', 8)])?.name, 'c');
    assert.equal(pickRootDisk([d('a', 2), d('b', 1)])?.name, 'a');
    assert.equal(pickRootDisk([]), undefined);
  });
});

describe('kernel command line', () => {
  it('splits words, quotes and bare flags', () => {
    const m = splitCmdline('console=ttyS0 quiet a="b c" BOOTIF=01-52-54-00-aa-bb-cc\n');
    assert.equal(m.get('console'), 'ttyS0');
    assert.equal(m.get('quiet'), '');
    assert.equal(m.get('a'), 'b c');
  });
  const cases = [
    {
      name: 'iPXE style',
      text: 'nofb vga=normal ipa-api-url=http://10.0.0.1:6385/ BOOTIF=52:54:00:AA:BB:CC ipa-insecure=1 ipa-agent-token=tok ipa-global-request-id=req-1',
      want: {
        apiUrls: ['http://10.0.0.1:6385'],
        bootMac: '52:54:00:aa:bb:cc',
        insecure: true,
        agentToken: 'tok',
        globalRequestId: 'req-1',
        listenPort: 9999,
        lookupTimeoutS: 600,
      },
    },
    {
      name: 'PXELINUX ipappend 2, several API URLs, listen port, timeouts',
      text: 'BOOTIF=01-52-54-00-aa-bb-cc ipa-api-url=http://a:1,https://b:2/x ipa-listen-port=19999 ipa-lookup-timeout=30 ipa-inspection-callback-url=http://a:1/v1/continue_inspection',
      want: {
        apiUrls: ['http://a:1', 'https://b:2/x'],
        bootMac: '52:54:00:aa:bb:cc',
        insecure: false,
        listenPort: 19999,
        lookupTimeoutS: 30,
        inspectionCallbackUrl: 'http://a:1/v1/continue_inspection',
      },
    },
    {
      name: 'nothing',
      text: 'console=ttyS0',
      want: { apiUrls: [], bootMac: undefined, agentToken: undefined },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = parseCmdline(c.text) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(s[k], v, k);
    });
  const bad = [
    ['ipa-api-url=ftp://x', /not an http\(s\) URL/],
    ['ipa-api-url=http://x ipa-listen-port=abc', /ipa-listen-port=abc/],
  ] as const;
  for (const [t, re] of bad) it(`refuses ${t}`, () => assert.throws(() => parseCmdline(t), re));
});

describe('lookup answers', () => {
  const tok = 'x'.repeat(43);
  const cases = [
    {
      name: 'current: token in config',
      body: { node: { uuid: 'u1' }, config: { heartbeat_timeout: 300, agent_token: tok } },
      hb: 300,
      token: tok,
    },
    {
      name: 'token already handed out',
      body: { node: { uuid: 'u1' }, config: { heartbeat_timeout: 30, agent_token: '******' } },
      hb: 30,
      token: undefined,
    },
    {
      name: 'short token ignored (IPA keeps ≥ 32 chars)',
      body: { node: { uuid: 'u1' }, config: { heartbeat_timeout: 30, agent_token: 'short' } },
      hb: 30,
      token: undefined,
    },
    {
      name: 'old: top-level heartbeat_timeout',
      body: { node: { uuid: 'u1' }, heartbeat_timeout: 60 },
      hb: 60,
      token: undefined,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const a = parseLookup(c.body);
      assert.equal(a.nodeUuid, 'u1');
      assert.equal(a.heartbeatTimeout, c.hb);
      assert.equal(a.agentToken, c.token);
    });
  it('no node.uuid or no heartbeat_timeout is refused', () => {
    assert.throws(() => parseLookup({ config: { heartbeat_timeout: 1 } }), /node.uuid/);
    assert.throws(() => parseLookup({ node: { uuid: 'u' }, config: {} }), /heartbeat_timeout/);
  });
  it('min of versions', () => {
    assert.equal(minVersion('1.99', '1.62'), '1.62');
    assert.equal(minVersion('1.31', '1.62'), '1.31');
    assert.equal(minVersion('1.9', '1.10'), '1.9');
  });
});
