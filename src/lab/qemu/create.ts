// Creates a lab machine's directory: its spec and an empty qcow2 disk (a new server has a blank disk).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { QemuMachine } from './machine.ts';
import { type MachineSpec, machineFiles, saveSpec } from './spec.ts';

export function createMachine(spec: MachineSpec): QemuMachine {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(spec.name)) throw new Error(`lab machine: bad name "${spec.name}"`);
  if (spec.memoryMiB < 32 || spec.cpus < 1 || spec.diskGiB < 1)
    throw new Error('lab machine: needs at least 32 MiB, 1 cpu and a 1 GiB disk');
  mkdirSync(spec.dir, { recursive: true });
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', machineFiles(spec.dir).disk, `${spec.diskGiB}G`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  saveSpec(spec);
  return new QemuMachine(spec);
}
