// Runs the real `openstack` CLI (Debian python3-openstackclient) against a test seed. Asynchronous on
// purpose: the seed under test serves from this same process. Each call costs about a second of Python
// start-up, so tests batch their assertions.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSTACK = '/usr/bin/openstack';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (use `-f json`); throws with the output when it is not JSON. */
  json<T = unknown>(): T;
}

/** Why the CLI tests cannot run here, or undefined when they can. */
export function cliUnavailable(): string | undefined {
  return existsSync(OPENSTACK) ? undefined : `no ${OPENSTACK} (Debian package python3-openstackclient)`;
}

// A private HOME: no clouds.yaml or cache from the user running the tests leaks in.
let home: string | undefined;

export function openstack(
  env: Record<string, string>,
  args: string[],
  opts: { timeoutMs?: number } = {},
): Promise<CliResult> {
  if (home === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'ooo-cli-home-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    home = dir;
  }
  const cleanEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    PYTHONWARNINGS: 'ignore',
    ...env,
  };
  // Generous: a Python start-up on 2 cores shared with TCG guests has taken over a minute.
  const timeout = opts.timeoutMs ?? 180_000;
  return new Promise((resolve) => {
    // stdin is closed at once: a command that would read it (image create without --file) sees EOF.
    const child = execFile(
      OPENSTACK,
      args,
      { env: cleanEnv, timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        // A kill by the timeout says so, instead of an exit 1 with nothing printed.
        const killed = err?.killed ? `\n(killed after ${timeout / 1000} s: no answer in time)` : '';
        resolve({
          code,
          stdout,
          stderr: stderr + killed,
          json<T>() {
            try {
              return JSON.parse(stdout) as T;
            } catch {
              throw new Error(`openstack ${args.join(' ')}: not JSON (exit ${code}):\n${stdout}\n${stderr}`);
            }
          },
        });
      },
    );
    child.stdin?.end();
  });
}
