// Running host commands: captured, abortable, with the failing command named in the error.
import { spawn } from 'node:child_process';
import type { Ctx } from './ctx.ts';
import { BuildError } from './errors.ts';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** called for every complete output line (stdout and stderr) */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  allowFail?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in its own process group so an abort can stop everything it started. */
export function run(ctx: Ctx, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new BuildError(`interrupted before ${cmd}`, {}, 130));
      return;
    }
    const child = spawn(cmd, args, {
      env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    const pending = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      const s = chunk.toString();
      if (stream === 'stdout') stdout += s;
      else stderr += s;
      if (!opts.onLine) return;
      const lines = (pending[stream] + s).split('\n');
      pending[stream] = lines.pop()!;
      for (const l of lines) opts.onLine(l, stream);
    };
    child.stdout!.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr!.on('data', (c: Buffer) => feed('stderr', c));
    const onAbort = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {}
        }, 3000).unref();
      } catch {}
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new BuildError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      ctx.signal.removeEventListener('abort', onAbort);
      for (const s of ['stdout', 'stderr'] as const)
        if (pending[s] && opts.onLine) opts.onLine(pending[s], s);
      const rc = code ?? (sig ? 128 : 1);
      if (ctx.signal.aborted) {
        reject(new BuildError(`interrupted while running ${cmd}`, {}, 130));
      } else if (rc !== 0 && !opts.allowFail) {
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        reject(
          new BuildError(`${cmd} ${args.join(' ')} failed with exit code ${rc}${tail ? `:\n${tail}` : ''}`),
        );
      } else resolve({ code: rc, stdout, stderr });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // the child may exit without reading
      child.stdin!.end(opts.input);
    }
  });
}
