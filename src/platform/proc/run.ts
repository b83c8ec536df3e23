// Running host commands (qemu-img, ipmitool, debootstrap, ...): output captured and optionally streamed by
// line, cancellable through the caller's signal, and a failure that names the command and the end of its
// stderr. The child runs in its own process group, so cancelling stops everything it started.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** Called for every complete output line (stdout and stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve with the exit code instead of rejecting on a non-zero one. */
  allowFail?: boolean;
  /** After a cancel, how long the group has between SIGTERM and SIGKILL (default 3 s). */
  killAfterMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type ProcFailure = 'spawn' | 'exit' | 'interrupted';

/** Why a command did not succeed: it could not start, it exited non-zero, or the caller cancelled it. */
export class ProcError extends Error {
  readonly kind: ProcFailure;
  readonly command: string;
  readonly args: readonly string[];
  /** The exit code for 'exit' (128 + nothing for a signal death), undefined otherwise. */
  readonly code: number | undefined;
  readonly stderr: string;

  constructor(
    kind: ProcFailure,
    message: string,
    o: { command: string; args: readonly string[]; code?: number; stderr?: string; cause?: unknown },
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ProcError';
    this.kind = kind;
    this.command = o.command;
    this.args = o.args;
    this.code = o.code;
    this.stderr = o.stderr ?? '';
  }
}

/** Runs cmd with args; see RunOptions. Only the signal of the context is used. */
export function run(
  ctx: { readonly signal: AbortSignal },
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const who = { command: cmd, args };
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new ProcError('interrupted', `interrupted before ${cmd}`, who));
      return;
    }
    const child = spawn(cmd, [...args], {
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
      pending[stream] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l, stream);
    };
    child.stdout?.on('data', (c: Buffer) => feed('stdout', c));
    child.stderr?.on('data', (c: Buffer) => feed('stderr', c));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), opts.killAfterMs ?? 3000).unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new ProcError('spawn', `cannot run ${cmd}: ${err.message}`, { ...who, cause: err }));
    });
    child.on('close', (code, sig) => {
      ctx.signal.removeEventListener('abort', onAbort);
      for (const s of ['stdout', 'stderr'] as const)
        if (pending[s] && opts.onLine) opts.onLine(pending[s], s);
      const rc = code ?? (sig ? 128 : 1);
      if (ctx.signal.aborted) {
        reject(new ProcError('interrupted', `interrupted while running ${cmd}`, { ...who, stderr }));
      } else if (rc !== 0 && !opts.allowFail) {
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        reject(
          new ProcError(
            'exit',
            `${cmd} ${args.join(' ')} failed with exit code ${rc}${tail ? `:\n${tail}` : ''}`,
            {
              ...who,
              code: rc,
              stderr,
            },
          ),
        );
      } else resolve({ code: rc, stdout, stderr });
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the child may exit without reading
      child.stdin.end(opts.input);
    }
  });
}
