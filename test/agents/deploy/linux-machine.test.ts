// The ramdisk's readers pointed at a copy of /proc and /sys: what they read reaches the inventory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { linuxInventory, linuxMachine } from '../../../src/agents/deploy/linux-machine.ts';
import { writeZeros } from '../../../src/agents/deploy/machine.ts';

describe('linux machine readers on a fake /proc and /sys', () => {
  let root = '';
  const put = (p: string, text = '') => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'deploy-sys-'));
    put(
      'proc/cpuinfo',
      'processor\t: 0\nmodel name\t: Test CPU\ncpu MHz\t\t: 1000.0\nflags\t\t: lm\n\nprocessor\t: 1\nmodel name\t: Test CPU\n',
    );
    put('proc/meminfo', 'MemTotal:        1024000 kB\n');
    put('sys/block/vda/size', '20971520\n');
    put('sys/block/vda/queue/rotational', '1\n');
    put('sys/block/vda/device/vendor', '0x1af4\n');
    put('sys/block/loop0/size', '100\n');
    mkdirSync(join(root, 'sys/block/loop0/device'), { recursive: true });
    put('sys/class/net/eth0/address', '52:54:00:12:34:56\n');
    put('sys/class/net/eth0/carrier', '1\n');
    put('sys/class/net/eth0/type', '1\n');
    mkdirSync(join(root, 'sys/class/net/eth0/device'), { recursive: true });
    put('sys/class/net/lo/address', '00:00:00:00:00:00\n');
    put('sys/class/dmi/id/sys_vendor', 'QEMU\n');
    put('sys/class/dmi/id/product_name', 'Standard PC\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('inventory: CPUs, memory, disks, NICs, vendor, BIOS boot', async () => {
    const inv = await linuxInventory(root, '52:54:00:12:34:56');
    assert.equal(inv.cpu.count, 2);
    assert.equal(inv.cpu.model_name, 'Test CPU');
    assert.equal(inv.memory.total, 1024000 * 1024);
    assert.deepEqual(
      inv.disks.map((d) => [d.name, d.size, d.rotational, d.vendor]),
      [['/dev/vda', 10 * 1024 ** 3, true, '0x1af4']],
    );
    assert.deepEqual(
      inv.interfaces.map((i) => [i.name, i.mac_address, i.has_carrier]),
      [['eth0', '52:54:00:12:34:56', true]],
    );
    assert.deepEqual(inv.system_vendor, {
      product_name: 'Standard PC',
      serial_number: '',
      manufacturer: 'QEMU',
    });
    assert.deepEqual(inv.boot, { current_boot_mode: 'bios', pxe_interface: '52:54:00:12:34:56' });
  });

  it('UEFI when /sys/firmware/efi exists; a disk without a size cannot be opened', async () => {
    mkdirSync(join(root, 'sys/firmware/efi'), { recursive: true });
    assert.equal((await linuxInventory(root)).boot.current_boot_mode, 'uefi');
    await assert.rejects(linuxMachine({ root }).openDisk('/dev/sdz'), /not a block device with a size/);
  });
});

describe('linux machine disks: zeroing through the kernel', () => {
  const skip =
    process.getuid?.() !== 0
      ? 'needs root (a loop device)'
      : spawnSync('blkdiscard', ['--version']).status !== 0
        ? 'no blkdiscard (util-linux)'
        : undefined;
  it('writeZeros on a block device zeroes the aligned middle with blkdiscard -z, the edges by hand', {
    skip,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-zero-'));
    const file = join(dir, 'disk');
    const data = randomBytes(8 * 1024 * 1024);
    writeFileSync(file, data);
    const loop = spawnSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).stdout.trim();
    try {
      assert.match(loop, /^\/dev\/loop\d+$/);
      const disk = await linuxMachine().openDisk(loop);
      assert.ok(disk.zeroRange, 'a block device zeroes through the kernel');
      const [from, to] = [1000, 5 * 1024 * 1024 + 77];
      await writeZeros(disk, from, to);
      await disk.flush();
      const got = await disk.read(0, data.length);
      await disk.close();
      assert.ok(data.subarray(0, from).equals(got.subarray(0, from)), 'bytes before the range kept');
      assert.ok(got.subarray(from, to).every((b) => b === 0));
      assert.ok(data.subarray(to).equals(got.subarray(to)), 'bytes after the range kept');
    } finally {
      spawnSync('losetup', ['-d', loop]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
