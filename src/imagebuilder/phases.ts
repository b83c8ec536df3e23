// Runs one phase's scripts, each timed and reported, on the host or inside the chroot.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { selectEnvironmentFiles } from '../agents/config/run-parts-order.ts';
import type { Ctx } from './ctx.ts';
import { BuildError } from './errors.ts';
import { run } from './proc.ts';
import { listRunParts } from './run-parts.ts';

export interface Timing {
  phase: string;
  script: string;
  seconds: number;
}

export interface PhaseRun {
  hooksDir: string;
  env: Record<string, string>;
  /** chroot directory for in-target phases; host phases leave it undefined */
  chroot?: string;
  cwd: string;
  timings: Timing[];
  /** element that shipped each hook, "phase/script" → element, for error messages */
  owners: Map<string, string>;
  onStdout?: (line: string) => void;
}

const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Sourcing runs under the same strictness as the original runner; the script then replaces the shell.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell snippet, not a template
const RUNNER = 'set -eu -o pipefail; for f in "${@:2}"; do . "$f"; done; exec "$1"';

export async function runPhase(ctx: Ctx, phase: string, p: PhaseRun): Promise<void> {
  const dir = join(p.hooksDir, `${phase}.d`);
  if (!existsSync(dir)) return;
  const scripts = listRunParts(dir);
  const envDir = join(p.hooksDir, 'environment.d');
  const base = p.chroot ? '/tmp/in_target.d' : p.hooksDir;
  const envFiles = existsSync(envDir)
    ? selectEnvironmentFiles(join(base, 'environment.d'), readdirSync(envDir))
    : [];
  const where = p.chroot ? 'in chroot' : 'on host';
  ctx.log(`==> ${phase}.d (${scripts.length} scripts, ${where})`);
  for (const script of scripts) {
    const start = process.hrtime.bigint();
    ctx.log(`  -> ${phase}.d/${script}`);
    const args = [join(base, `${phase}.d`, script), ...envFiles];
    const env: Record<string, string> = { ...p.env };
    let cmd = 'bash';
    let argv = ['-c', RUNNER, 'dib-run-parts', ...args];
    if (p.chroot) {
      delete env['TMPDIR'];
      delete env['VIRTUAL_ENV'];
      env['HOME'] = '/root';
      env['PATH'] = `${p.env['PATH'] ?? ''}:${CHROOT_PATH}`;
      cmd = 'chroot';
      argv = [p.chroot, ...(['bash', ...argv] as string[])];
    }
    let code = 0;
    try {
      const r = await run(ctx, cmd, argv, {
        env,
        cwd: p.cwd,
        allowFail: true,
        onLine: (line, stream) => {
          if (stream === 'stdout') p.onStdout?.(line);
          ctx.log(`     ${line}`);
        },
      });
      code = r.code;
    } catch (err) {
      const element = p.owners.get(`${phase}.d/${script}`);
      const msg = err instanceof Error ? err.message : String(err);
      throw new BuildError(
        msg,
        { element, phase: `${phase}.d`, script },
        err instanceof BuildError ? err.exitCode : 1,
      );
    } finally {
      p.timings.push({ phase: `${phase}.d`, script, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    }
    if (code !== 0) {
      const element = p.owners.get(`${phase}.d/${script}`);
      throw new BuildError(
        `${phase}.d/${script} exited with code ${code}`,
        { element, phase: `${phase}.d`, script },
        code,
      );
    }
  }
}

export function timingTable(timings: Timing[]): string {
  const rows = timings.map(
    (t) => `${`${t.phase}/${t.script}`.padEnd(50)} ${t.seconds.toFixed(3).padStart(10)}`,
  );
  const total = timings.reduce((s, t) => s + t.seconds, 0);
  return [
    '----------------------- PROFILING -----------------------',
    `${'Script'.padEnd(50)} ${'Seconds'.padStart(10)}`,
    ...rows,
    `${'total'.padEnd(50)} ${total.toFixed(3).padStart(10)}`,
    '--------------------- END PROFILING ---------------------',
  ].join('\n');
}
