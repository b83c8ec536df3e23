// Runs `ooo seed up` as a real process for a test: waits for "ready", keeps its output, stops it with
// SIGTERM. Should the test process exit without stopping it, it is sent SIGTERM then too.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const OOO = resolve(import.meta.dirname, '../../bin/ooo');

export interface SeedProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The URL the process printed for a service (its "name  url" line). */
  url(service: string): string;
  stop(): Promise<number | null>;
}

export async function startSeedProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  readyTimeoutMs = 120_000,
): Promise<SeedProcess> {
  const child = spawn(OOO, ['seed', 'up', ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((done) => child.on('close', done));
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  child.once('close', () => process.off('exit', orphanGuard));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(new Error(`seed up ${args.join(' ')}: not ready in ${readyTimeoutMs} ms:\n${out}`));
    }, readyTimeoutMs);
    child.stdout?.on('data', (d) => {
      out += d;
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      fail(new Error(`seed up ${args.join(' ')} exited ${code} before ready:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    url(service) {
      const m = new RegExp(`^${service} +(http://\\S+?)(?:/v\\S*)?$`, 'm').exec(out);
      if (!m?.[1]) throw new Error(`no URL for ${service} in:\n${out}`);
      return m[1];
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
