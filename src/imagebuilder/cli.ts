// Command-line front ends: disk-image-create, ramdisk-image-create and `ooo image build`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from './build.ts';
import { consoleCtx } from './ctx.ts';
import { BuildError, describeError } from './errors.ts';
import { type Mode, parseOptions, usage } from './options.ts';
import { timingTable } from './phases.ts';

/** The project root: the nearest directory above this file with elements/ (src/imagebuilder or dist/). */
function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'elements')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  return resolve(from, '..', '..');
}

export const REPO_ROOT = findRepoRoot(import.meta.dirname);

function hostArch(): string {
  const r = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}

/** Runs one build from command-line arguments; returns the process exit code. */
export async function runImageCreate(argv: string[], mode: Mode): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv, mode, { hostArch: hostArch(), home: homedir(), env: process.env });
  } catch (err) {
    process.stderr.write(`ERROR: ${describeError(err)}\n`);
    return err instanceof BuildError ? err.exitCode : 1;
  }
  if (options.help) {
    process.stdout.write(usage(mode));
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('ERROR: building images needs root (chroot, mount, mkfs); run it with sudo\n');
    return 1;
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping the build and cleaning up...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx = consoleCtx(controller.signal);
  const t0 = Date.now();
  try {
    const result = await build(ctx, { options, argv, env: process.env, repoRoot: REPO_ROOT });
    ctx.log(timingTable(result.timings));
    for (const f of result.outputs) ctx.log(`Image file ${f} created...`);
    ctx.log(
      `Build completed successfully in ${((Date.now() - t0) / 1000).toFixed(1)} s (cache: ${result.cache})`,
    );
    return 0;
  } catch (err) {
    ctx.log(`ERROR: ${describeError(err)}`);
    if (controller.signal.aborted) return 130;
    return err instanceof BuildError ? err.exitCode || 1 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `ooo image build [disk-image-create flags] elements...`; `--ramdisk` builds a deploy ramdisk instead. */
export async function runImageBuild(argv: string[]): Promise<number> {
  const mode: Mode = argv.includes('--ramdisk') ? 'ramdisk' : 'disk';
  const rest = argv.filter((a) => a !== '--ramdisk');
  // Same process layout as the standalone tools (private mount namespace) when the entry file is at hand.
  const entry = join(
    import.meta.dirname,
    mode === 'disk' ? 'disk-image-create.ts' : 'ramdisk-image-create.ts',
  );
  const viaChild = existsSync(entry) ? await reexec(entry, rest) : undefined;
  return viaChild ?? runImageCreate(rest, mode);
}

/**
 * Re-executes the entry point when needed: `-c` starts again with an empty environment (the original's
 * `exec -c`), and as root the build runs in a private mount namespace, so that no mount can outlive the
 * build even if the process is killed outright. DIB_MOUNT_NAMESPACE=0 keeps the host namespace.
 */
export async function reexec(entry: string, argv: string[]): Promise<number | undefined> {
  const clearEnv = argv.includes('-c') && !process.env['DIB_ENV_CLEARED'];
  const wantNs =
    process.getuid?.() === 0 &&
    process.env['DIB_MOUNT_NAMESPACE'] !== '0' &&
    !process.env['DIB_IN_MOUNT_NS'] &&
    !argv.includes('-h') &&
    !argv.includes('--help');
  if (!clearEnv && !wantNs) return undefined;
  const env: Record<string, string | undefined> = clearEnv
    ? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', DIB_ENV_CLEARED: '1' }
    : { ...process.env };
  const node = [process.execPath, '--disable-warning=ExperimentalWarning', entry, ...argv];
  let cmd = node;
  if (wantNs) {
    env['DIB_IN_MOUNT_NS'] = '1';
    cmd = ['unshare', '--mount', '--propagation', 'private', '--', ...node];
  }
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: env as NodeJS.ProcessEnv });
  // Signals sent to this process (not only a terminal's Ctrl-C) reach the build.
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((done) => {
    child.on('error', (err) => {
      process.stderr.write(`ERROR: cannot start ${cmd[0]}: ${err.message}\n`);
      done(1);
    });
    child.on('close', (code, sig) => done(code ?? (sig === 'SIGINT' ? 130 : 1)));
  });
}
