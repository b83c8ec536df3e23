// A lab machine as a real QEMU (TCG) on a tap in a namespace of the test's own: power, QMP status, and the
// boot order the BMC override asks for, seen on the serial console (iPXE for PXE, SeaBIOS's disk boot).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addTap, createLabNetwork, deleteLabNetwork, labNetworkUnavailable } from '../../src/lab/network.ts';
import { chooseAccel, probeBios, runsProbeGuest } from '../../src/lab/qemu/accel.ts';
import { qemuArgs } from '../../src/lab/qemu/args.ts';
import { createMachine } from '../../src/lab/qemu/create.ts';
import type { QemuMachine } from '../../src/lab/qemu/machine.ts';
import { testCtx } from './ipmi-sim-support.ts';

const qemuMissing = () =>
  existsSync('/usr/bin/qemu-system-x86_64')
    ? labNetworkUnavailable()
    : 'no qemu-system-x86_64 (qemu-system-x86)';

describe('qemu arguments (pure)', () => {
  const spec = {
    name: 'n0',
    uuid: 'u-1',
    dir: '/lab/n0',
    memoryMiB: 128,
    cpus: 1,
    diskGiB: 1,
    accel: 'tcg' as const,
    nics: [
      { mac: '52:54:00:00:00:01', tap: 't0' },
      { mac: '52:54:00:00:00:02', tap: 't1' },
    ],
  };
  const bootindexes = (args: string[]) =>
    args
      .filter((a) => a.startsWith('virtio-'))
      .map((a) => `${a.split(',')[0]}:${/bootindex=(\d)/.exec(a)?.[1] ?? '-'}`);
  const cases: [string, string[]][] = [
    ['pxe', ['virtio-blk-pci:-', 'virtio-net-pci:1', 'virtio-net-pci:2']],
    ['disk', ['virtio-blk-pci:1', 'virtio-net-pci:-', 'virtio-net-pci:-']],
    ['default', ['virtio-blk-pci:1', 'virtio-net-pci:2', 'virtio-net-pci:3']],
  ];
  for (const [boot, want] of cases)
    test(`boot ${boot}`, () => {
      const args = qemuArgs(spec, boot as 'pxe');
      assert.deepEqual(bootindexes(args), want);
      assert.ok(args.includes('strict=on,menu=off,reboot-timeout=3000'));
      assert.ok(
        args.includes('mac=52:54:00:00:00:02') || args.some((a) => a.includes('mac=52:54:00:00:00:02')),
      );
    });
  test('kvm asks for the host cpu', () => {
    assert.deepEqual(qemuArgs({ ...spec, accel: 'kvm' }, 'pxe').slice(4, 8), [
      '-accel',
      'kvm',
      '-cpu',
      'host',
    ]);
  });
  test('the probe firmware ends at the reset vector with hlt', () => {
    const b = probeBios();
    assert.equal(b.length, 65536);
    assert.equal(b[0xfff0], 0xba);
    assert.equal(b[0xfff0 + 12], 0xf4);
  });
});

describe('a QEMU lab machine', { skip: qemuMissing() }, () => {
  const id = randomBytes(3).toString('hex');
  const net = { netns: `ooo-labt-${id}`, bridge: 'br-prov', cidr: '192.0.2.1/24' };
  let dir: string;
  let m: QemuMachine;
  const ctx = () => testCtx();
  const consoleHas = async (text: string, from = 0) => {
    for (let i = 0; i < 600; i++) {
      if (existsSync(m.consolePath()) && readFileSync(m.consolePath(), 'utf8').slice(from).includes(text))
        return;
      await sleep(100);
    }
    assert.fail(
      `console never showed ${text}: ${readFileSync(m.consolePath(), 'utf8').slice(from, from + 2000)}`,
    );
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-labm-'));
    createLabNetwork(net);
    addTap(net, `tap${id}`);
    m = createMachine({
      name: 'node-0',
      uuid: randomUUID(),
      dir: join(dir, 'node-0'),
      memoryMiB: 128,
      cpus: 1,
      diskGiB: 1,
      accel: 'tcg',
      netns: net.netns,
      nics: [{ mac: '52:54:00:5a:00:01', tap: `tap${id}` }],
    });
  });
  after(async () => {
    await m?.powerOff(ctx()).catch(() => {});
    deleteLabNetwork(net.netns);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the accelerator probe runs its guest under TCG and names its choice', async () => {
    assert.equal(await runsProbeGuest('qemu-system-x86_64', ['-accel', 'tcg']), true);
    const choice = await chooseAccel();
    assert.ok(['kvm', 'tcg'].includes(choice.accel));
    assert.ok(choice.reason.length > 0);
  });

  test('power on with a once-PXE override network-boots, and uses the override up', async () => {
    await m.setBoot(ctx(), { device: 'pxe', persistent: false });
    assert.equal(await m.powerState(ctx()), 'off');
    await m.powerOn(ctx());
    assert.equal(await m.powerState(ctx()), 'on');
    assert.deepEqual(await m.qmpStatus(ctx()), { status: 'running', running: true, singlestep: false });
    assert.deepEqual(await m.getBoot(ctx()), { device: undefined, persistent: false });
    await consoleHas('iPXE');
  });

  test('a reset after a persistent disk override restarts QEMU to boot the disk', async () => {
    const pid = m.pid();
    const from = readFileSync(m.consolePath(), 'utf8').length;
    await m.setBoot(ctx(), { device: 'disk', persistent: true });
    await m.reset(ctx());
    assert.notEqual(m.pid(), pid, 'a new QEMU with the new boot order');
    await consoleHas('Booting from Hard Disk', from);
    assert.deepEqual(await m.getBoot(ctx()), { device: 'disk', persistent: true });
  });

  test('a reset with the same boot order is a system_reset of the same QEMU', async () => {
    const pid = m.pid();
    const from = readFileSync(m.consolePath(), 'utf8').length;
    await m.reset(ctx());
    assert.equal(m.pid(), pid);
    await consoleHas('Booting from Hard Disk', from);
  });

  test('power off ends QEMU', async () => {
    const pid = m.pid()!;
    await m.powerOff(ctx());
    assert.equal(await m.powerState(ctx()), 'off');
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await m.powerOff(ctx()); // already off: nothing to do
  });
});
