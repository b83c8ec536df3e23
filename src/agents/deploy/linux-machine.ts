// The ramdisk's machine: inventory from /proc and /sys (under `root`, so tests can point it at a copy),
// disks as /dev block devices, power-off through the kernel.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { arch, hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  type Inventory,
  parseBlockDevices,
  parseCpuinfo,
  parseInterfaces,
  parseMeminfo,
  type SysBlock,
  type SysNet,
} from './hardware.ts';
import { type BlockDevice, type Machine, openFileDevice } from './machine.ts';
import { mkfsInFile } from './sim-machine.ts';

const read = (p: string) => readFile(p, 'utf8').catch(() => undefined);
const list = (p: string) => readdir(p).catch(() => [] as string[]);

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x' };

export async function readSysBlock(root: string): Promise<SysBlock[]> {
  const base = join(root, 'sys/block');
  return Promise.all(
    (await list(base)).map(async (name) => {
      const d = join(base, name);
      return {
        name,
        size: await read(join(d, 'size')),
        removable: await read(join(d, 'removable')),
        rotational: await read(join(d, 'queue/rotational')),
        logicalBlockSize: await read(join(d, 'queue/logical_block_size')),
        physicalBlockSize: await read(join(d, 'queue/physical_block_size')),
        model: await read(join(d, 'device/model')),
        vendor: await read(join(d, 'device/vendor')),
        serial: (await read(join(d, 'device/serial'))) ?? (await read(join(d, 'serial'))),
        wwid: (await read(join(d, 'device/wwid'))) ?? (await read(join(d, 'wwid'))),
        hasDevice: existsSync(join(d, 'device')),
      };
    }),
  );
}

export async function readSysNet(root: string): Promise<SysNet[]> {
  const base = join(root, 'sys/class/net');
  return Promise.all(
    (await list(base)).map(async (name) => ({
      name,
      address: await read(join(base, name, 'address')),
      carrier: await read(join(base, name, 'carrier')),
      type: await read(join(base, name, 'type')),
      hasDevice: existsSync(join(base, name, 'device')),
    })),
  );
}

function ipv4ByName(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) out[name] = a.address;
  }
  return out;
}

export async function linuxInventory(root = '/', bootMac?: string): Promise<Inventory> {
  const cpuinfo = (await read(join(root, 'proc/cpuinfo'))) ?? '';
  const meminfo = (await read(join(root, 'proc/meminfo'))) ?? '';
  const dmi = async (f: string) => ((await read(join(root, 'sys/class/dmi/id', f))) ?? '').trim();
  return {
    interfaces: parseInterfaces(await readSysNet(root), ipv4ByName()),
    cpu: parseCpuinfo(cpuinfo, ARCH[arch()] ?? arch()),
    disks: parseBlockDevices(await readSysBlock(root)),
    memory: parseMeminfo(meminfo),
    bmc_address: null,
    system_vendor: {
      product_name: await dmi('product_name'),
      serial_number: await dmi('product_serial'),
      manufacturer: await dmi('sys_vendor'),
    },
    boot: {
      current_boot_mode: existsSync(join(root, 'sys/firmware/efi')) ? 'uefi' : 'bios',
      pxe_interface: bootMac ?? null,
    },
    hostname: hostname(),
  };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-500);
    });
    p.on('error', fail);
    p.on('close', (c) =>
      c === 0 ? ok() : fail(new Error(`${cmd} ${args.join(' ')} exited ${c}: ${err.trim()}`)),
    );
  });
}

export function linuxMachine(opts: { root?: string; bootMac?: string; grubDir?: string } = {}): Machine {
  const root = opts.root ?? '/';
  const grubDir = opts.grubDir ?? '/usr/lib/deploy-agent/grub';
  return {
    inventory: () => linuxInventory(root, opts.bootMac),
    async openDisk(name: string): Promise<BlockDevice> {
      const dev = name.replace(/^\/dev\//, '');
      const sectors = Number(((await read(join(root, 'sys/block', dev, 'size'))) ?? '').trim());
      if (!sectors) throw new Error(`${name} is not a block device with a size`);
      const path = `/dev/${dev}`;
      // util-linux's blkdiscard -z by path (busybox's has no -z) (BLKZEROOUT; -f: the disk's old signatures are ours to overwrite): holes of an image cost the disk a write-zeroes, not our bytes
      return openFileDevice(path, sectors * 512, false, (from, to) =>
        run('/usr/sbin/blkdiscard', ['-f', '-z', '-o', String(from), '-l', String(to - from), path]),
      );
    },
    mkfs: (disk, offset, bytes, fstype, label) => mkfsInFile(disk.path, offset, bytes, fstype, label),
    // busybox blockdev: lets the kernel create /dev/vdaN for the new table (nothing here depends on it)
    rereadPartitions: (disk) => run('blockdev', ['--rereadpt', disk.path]).catch(() => {}),
    async bootloader() {
      const b = await readFile(join(grubDir, 'boot.img')).catch(() => undefined);
      const c = await readFile(join(grubDir, 'core.img')).catch(() => undefined);
      return b && c ? { bootImg: b, coreImg: c } : undefined;
    },
    sync: () => run('sync', []),
    async powerOff() {
      await run('sync', []).catch(() => {});
      // after the reply is sent: poweroff -f, or the kernel's sysrq as IPA's fallback
      setTimeout(() => {
        run('poweroff', ['-f']).catch(() =>
          run('sh', ['-c', 'echo o > /proc/sysrq-trigger']).catch(() => {}),
        );
      }, 1000);
    },
  };
}
