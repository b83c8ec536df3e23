// Boots an image under QEMU (TCG: /dev/kvm is not usable here) and waits for a marker on the serial console.
import { spawn } from 'node:child_process';

export interface BootResult {
  found: boolean;
  seconds: number;
  console: string;
}

export function bootUntil(args: string[], marker: RegExp, timeoutSeconds: number): Promise<BootResult> {
  return new Promise((done) => {
    const t0 = Date.now();
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-display',
        'none',
        '-monitor',
        'none',
        '-no-reboot',
        '-serial',
        'stdio',
        '-nodefaults',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let found = false;
    const finish = () => {
      clearTimeout(timer);
      qemu.kill('SIGKILL');
    };
    const timer = setTimeout(finish, timeoutSeconds * 1000);
    const feed = (b: Buffer) => {
      out += b.toString();
      if (!found && marker.test(out)) {
        found = true;
        finish();
      }
    };
    qemu.stdout.on('data', feed);
    qemu.stderr.on('data', feed);
    qemu.on('close', () => {
      clearTimeout(timer);
      done({ found, seconds: (Date.now() - t0) / 1000, console: out });
    });
  });
}
