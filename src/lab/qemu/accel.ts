// KVM or TCG: KVM only when it really runs a guest. /dev/kvm can exist and even run real-mode code while
// being a paravirtual backend (kvm_pvm) on which a Linux guest crawls and dies (this-machine-lab.md §1), so
// the probe asks for hardware virtualisation (vmx/svm with kvm_intel/kvm_amd) and then runs a 13-byte
// firmware under `-accel kvm -cpu host` that must exit through isa-debug-exit with the code it writes.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  reason: string;
}

// mov dx,0x3f8; mov al,'K'; out dx,al; mov dx,0x501; mov al,0x2a; out dx,al; hlt — at the reset vector.
const PROBE_CODE = [0xba, 0xf8, 0x03, 0xb0, 0x4b, 0xee, 0xba, 0x01, 0x05, 0xb0, 0x2a, 0xee, 0xf4];
const PROBE_EXIT = (0x2a << 1) | 1;

export function probeBios(): Buffer {
  const bios = Buffer.alloc(65536, 0xf4);
  Buffer.from(PROBE_CODE).copy(bios, 0xfff0);
  return bios;
}

/** Runs the probe firmware under the given accelerator; true when it exits with its code. */
export function runsProbeGuest(qemu: string, accelArgs: string[], timeoutMs = 10_000): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-kvm-probe-'));
  const bios = join(dir, 'probe.bin');
  writeFileSync(bios, probeBios());
  return new Promise((resolve) => {
    const child = spawn(
      qemu,
      [
        ...accelArgs,
        ...['-machine', 'pc', '-m', '16', '-nodefaults', '-display', 'none', '-serial', 'none'],
        ...['-bios', bios, '-device', 'isa-debug-exit,iobase=0x501,iosize=1'],
      ],
      { stdio: 'ignore' },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve(ok);
    };
    child.on('error', () => done(false));
    child.on('exit', (code) => done(code === PROBE_EXIT));
  });
}

export async function chooseAccel(qemu = 'qemu-system-x86_64'): Promise<AccelChoice> {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is absent or not writable' };
  }
  const flags = readFileSync('/proc/cpuinfo', 'utf8');
  const hw = /^flags\s*:.*\b(vmx|svm)\b/m.test(flags);
  const module = existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd');
  if (!hw || !module) {
    const pvm = existsSync('/sys/module/kvm_pvm') ? ' (kvm_pvm: paravirtual, Linux guests fail on it)' : '';
    return { accel: 'tcg', reason: `no hardware virtualisation (vmx/svm with kvm_intel/kvm_amd)${pvm}` };
  }
  if (!(await runsProbeGuest(qemu, ['-accel', 'kvm', '-cpu', 'host'])))
    return { accel: 'tcg', reason: 'a probe guest did not run under -accel kvm -cpu host' };
  return { accel: 'kvm', reason: 'a probe guest ran under -accel kvm -cpu host' };
}
