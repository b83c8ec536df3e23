// Mounts made for a build, and the guarantee that none outlives it.
import { readFileSync } from 'node:fs';
import type { Ctx } from './ctx.ts';
import { run } from './proc.ts';

/** Mount points at or below `dir`, deepest first (octal escapes of /proc/self/mounts decoded). */
export function mountsUnder(dir: string, table = readFileSync('/proc/self/mounts', 'utf8')): string[] {
  const base = dir.replace(/\/$/, '');
  return table
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
}

const quiet: Ctx = { log: () => {}, signal: new AbortController().signal };

/** Unmounts everything below dir; lazy unmount as the last resort so nothing is left behind. */
export async function unmountAll(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const list = mountsUnder(dir);
    if (list.length === 0) return;
    for (const m of list) {
      const r = await run(quiet, 'umount', [m], { allowFail: true });
      if (r.code !== 0) await run(quiet, 'umount', ['-l', m], { allowFail: true });
    }
  }
}

/** proc, /dev, /dev/pts and a read-only sysfs inside the chroot, as the original provides. */
export async function mountKernelFs(ctx: Ctx, root: string): Promise<void> {
  await run(ctx, 'mount', ['-t', 'proc', 'none', `${root}/proc`]);
  await run(ctx, 'mount', ['--bind', '/dev', `${root}/dev`]);
  await run(ctx, 'mount', ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666', 'devpts', `${root}/dev/pts`]);
  await run(ctx, 'mount', ['-o', 'ro', '-t', 'sysfs', 'none', `${root}/sys`]);
}

export async function bindReadOnly(ctx: Ctx, src: string, dst: string): Promise<void> {
  await run(ctx, 'mount', ['--bind', src, dst]);
  await run(ctx, 'mount', ['-o', 'remount,ro,bind', dst]);
}
