// A `sim` node's machine: a sparse file as its only disk, NICs and CPU/RAM as configured, power-off as a
// callback to whoever simulates the power (the conductor's sim power interface).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Inventory } from './hardware.ts';
import { type BlockDevice, type Machine, openFileDevice } from './machine.ts';

export interface SimSpec {
  diskPath: string;
  diskBytes: number;
  macs: string[];
  cpus: number;
  memoryMb: number;
  arch?: string;
  onPowerOff(): void | Promise<void>;
}

export const SIM_DISK = '/dev/sda';

export function simMachine(spec: SimSpec): Machine {
  return {
    async inventory(): Promise<Inventory> {
      return {
        interfaces: spec.macs.map((m, i) => ({
          name: `eth${i}`,
          mac_address: m.toLowerCase(),
          ipv4_address: '127.0.0.1',
          has_carrier: true,
        })),
        cpu: {
          model_name: 'tripleo-ts sim CPU',
          frequency: '2000',
          count: spec.cpus,
          architecture: spec.arch ?? 'x86_64',
          flags: [],
          socket_count: 1,
        },
        disks: [
          {
            name: SIM_DISK,
            size: spec.diskBytes,
            rotational: false,
            model: 'sim-disk',
            vendor: 'tripleo-ts',
            serial: null,
            wwn: null,
            logical_sectors: 512,
            physical_sectors: 512,
          },
        ],
        memory: { total: spec.memoryMb * 1024 * 1024, physical_mb: spec.memoryMb },
        bmc_address: null,
        system_vendor: { product_name: 'sim', serial_number: '', manufacturer: 'tripleo-ts' },
        boot: { current_boot_mode: 'bios', pxe_interface: spec.macs[0]?.toLowerCase() ?? null },
        hostname: 'sim',
      };
    },
    async openDisk(name: string): Promise<BlockDevice> {
      if (name !== SIM_DISK) throw new Error(`sim node has no disk ${name}`);
      const st = await stat(spec.diskPath);
      if (st.size !== spec.diskBytes)
        throw new Error(`sim disk ${spec.diskPath} is ${st.size} bytes, expected ${spec.diskBytes}`);
      const dev = await openFileDevice(spec.diskPath, spec.diskBytes, true);
      // A simulated disk lives no longer than the process that simulates its machine, so its writes need
      // no fsync; with hundreds of sim nodes, fsyncs fill libuv's four I/O threads and every file operation
      // of the process (the image service's too) queues behind them.
      return { ...dev, flush: async () => {} };
    },
    mkfs: (disk, offset, bytes, fstype, label) => mkfsInFile(disk.path, offset, bytes, fstype, label),
    rereadPartitions: async () => {},
    bootloader: async () => undefined,
    sync: async () => {},
    powerOff: async () => {
      await spec.onPowerOff();
    },
  };
}

/** mkfs.TYPE on a byte range of a file or device (mke2fs's `-E offset=`), sized in KiB. */
export function mkfsInFile(
  path: string,
  offset: number,
  bytes: number,
  fstype: string,
  label: string,
): Promise<void> {
  if (!/^ext[234]$/.test(fstype))
    return Promise.reject(new Error(`ephemeral_format ${fstype} is not supported (ext2/3/4)`));
  return new Promise((ok, fail) => {
    const p = spawn(
      `mkfs.${fstype}`,
      ['-F', '-q', '-L', label, '-E', `offset=${offset}`, path, `${Math.floor(bytes / 1024)}k`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (b) => (err += b));
    p.on('error', (e) => fail(new Error(`mkfs.${fstype}: ${e.message}`)));
    p.on('close', (code) =>
      code === 0 ? ok() : fail(new Error(`mkfs.${fstype} exited ${code}: ${err.trim()}`)),
    );
  });
}
