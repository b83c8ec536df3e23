// Steps on the target tree between phases: resolv.conf swap, in-target hook mount, final tidy-up.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from './ctx.ts';
import { bindReadOnly, unmountAll } from './mounts.ts';

function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Keeps the tree's resolv.conf as resolv.conf.ORIG and gives the chroot the host's resolver. */
export function installHostResolver(root: string): void {
  const rc = join(root, 'etc', 'resolv.conf');
  mkdirSync(join(root, 'etc'), { recursive: true });
  if (present(rc)) renameSync(rc, `${rc}.ORIG`);
  const host = existsSync('/etc/resolv.conf')
    ? readFileSync('/etc/resolv.conf', 'utf8')
    : 'nameserver 8.8.8.8\n';
  writeFileSync(rc, host, { mode: 0o644 });
}

/** Puts resolv.conf.ORIG back, unless an element replaced resolv.conf with a symlink it wants kept. */
export function restoreResolver(root: string): void {
  const rc = join(root, 'etc', 'resolv.conf');
  const orig = `${rc}.ORIG`;
  if (present(rc) && lstatSync(rc).isSymbolicLink()) {
    rmSync(orig, { force: true });
    return;
  }
  rmSync(rc, { force: true });
  if (present(orig)) renameSync(orig, rc);
}

export async function mountHooks(ctx: Ctx, hooksDir: string, root: string): Promise<string> {
  const mp = join(root, 'tmp', 'in_target.d');
  mkdirSync(mp, { recursive: true });
  await bindReadOnly(ctx, hooksDir, mp);
  return mp;
}

export async function unmountHooks(mp: string): Promise<void> {
  await unmountAll(mp);
  rmdirSync(mp);
}

/** What the original leaves out of a finished image: /tmp contents, log contents, root's *.log files. */
export function tidyTarget(root: string): void {
  const tmp = join(root, 'tmp');
  if (existsSync(tmp))
    for (const e of readdirSync(tmp)) rmSync(join(tmp, e), { recursive: true, force: true });
  const logs = join(root, 'var', 'log');
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) truncateSync(p, 0);
    }
  };
  walk(logs);
  const home = join(root, 'root');
  if (existsSync(home))
    for (const e of readdirSync(home)) if (e.endsWith('.log')) rmSync(join(home, e), { force: true });
}

/** An interactive shell for `break=` points: on the host in the build dir, or inside the chroot. */
export async function debugShell(at: string, env: Record<string, string>, chroot?: string): Promise<void> {
  process.stderr.write(`Starting debug shell. Exit to resume building.\nAt stage ${at}\n`);
  const { spawnSync } = await import('node:child_process');
  const cmd = chroot ? 'chroot' : 'bash';
  const args = chroot ? [chroot, 'bash'] : [];
  spawnSync(cmd, args, { stdio: 'inherit', env });
  process.stderr.write('Resuming\n');
}
