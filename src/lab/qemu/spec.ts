// What a lab machine is made of, kept as machine.json in its directory so any process (the chassis_control
// program of its IPMI BMC, the Redfish BMC, `ooo lab`) can act on it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MachineNic {
  mac: string;
  /** A tap device in the lab's network namespace. */
  tap: string;
}

export interface MachineSpec {
  name: string;
  uuid: string;
  /** The machine's directory: disk, console log, QMP socket, pid file, boot state. */
  dir: string;
  memoryMiB: number;
  cpus: number;
  diskGiB: number;
  nics: MachineNic[];
  accel: 'kvm' | 'tcg';
  /** QEMU runs inside this network namespace, where its taps are. */
  netns?: string;
  qemu?: string;
}

export const machineFiles = (dir: string) => ({
  spec: join(dir, 'machine.json'),
  disk: join(dir, 'disk.qcow2'),
  console: join(dir, 'console.log'),
  qmp: join(dir, 'qmp.sock'),
  pid: join(dir, 'qemu.pid'),
  boot: join(dir, 'boot.json'),
  running: join(dir, 'running-boot'),
  sercon: join(dir, 'sercon.bin'),
  qemuLog: join(dir, 'qemu.log'),
});

export function saveSpec(spec: MachineSpec): void {
  writeFileSync(machineFiles(spec.dir).spec, `${JSON.stringify(spec, null, 2)}\n`);
}

export function loadSpec(dir: string): MachineSpec {
  return JSON.parse(readFileSync(machineFiles(dir).spec, 'utf8')) as MachineSpec;
}
