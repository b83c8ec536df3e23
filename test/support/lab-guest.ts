// Helpers for lab tests that run the whole seed against lab VMs: the seed's configuration with every
// service the HOWTO needs on free ports (compute's servers on the lab's network: `ooo seed up` sets it),
// enrolment of the lab's machines to available with the real CLI, and ssh into a guest from inside the lab's
// network namespace (where the guests' addresses are reachable).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { labNetns } from '../../src/lab/seed-settings.ts';
import { type CliResult, openstack } from './openstack-cli.ts';
import { OOO } from './seed-process.ts';

export const HOWTO_SERVICES = ['identity', 'image', 'network', 'baremetal', 'compute', 'compute-metadata'];

/** Writes STATE/ooo.json: the HOWTO's services on free ports, with the lab tests' quicker polling. */
export function writeLabSeedConfig(stateDir: string, services = HOWTO_SERVICES): void {
  writeFileSync(
    join(stateDir, 'ooo.json'),
    JSON.stringify({
      ports: Object.fromEntries(services.map((s) => [s, 0])),
      settings: {
        identity: { hashCostLog2: 10 },
        baremetal: {
          agentPollIntervalMs: 1000,
          periodicIntervalMs: 2000,
          powerSyncIntervalMs: 15_000,
          bmc: { ipmiMinCommandIntervalMs: 0, powerWaitS: 60 },
        },
        compute: { pollMs: 1000 },
      },
    }),
  );
}

export function runOoo(args: string[], timeoutMs = 300_000, env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((done) => {
    execFile(OOO, args, { timeout: timeoutMs, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** The real CLI as the seed's admin (clouds.yaml of the state directory); throws with the output on failure. */
export function adminCli(stateDir: string) {
  const env = { OS_CLIENT_CONFIG_FILE: join(stateDir, 'clouds.yaml'), OS_CLOUD: 'seed' };
  const raw = (...args: string[]): Promise<CliResult> => openstack(env, args, { timeoutMs: 1_800_000 });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await raw(...args);
    if (r.code !== 0)
      throw new Error(`openstack ${args.join(' ')} (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the services' JSON, read field by field by the tests
  const json = async (...args: string[]): Promise<any> => JSON.parse(await ok(...args, '-f', 'json'));
  return { env, raw, ok, json };
}

/**
 * `ooo lab up` with `nodes` machines, `ooo node import`, the deploy ramdisk set, resource class `baremetal`,
 * manage, provide (cleaning in the ramdisk) → available. Returns the node names.
 */
export async function enrollLabNodes(
  stateDir: string,
  o: { nodes: number; memoryMiB: number; diskGiB: number; kernel: string; ramdisk: string; waitS: number },
): Promise<string[]> {
  const up = await runOoo([
    'lab',
    'up',
    '--state-dir',
    stateDir,
    '--nodes',
    String(o.nodes),
    '--memory',
    String(o.memoryMiB),
    '--disk',
    String(o.diskGiB),
    '--accel',
    'tcg',
  ]);
  if (up.code !== 0) throw new Error(`ooo lab up failed:\n${up.out}`);
  const nodesFile = join(stateDir, 'lab', 'nodes.json');
  const cli = adminCli(stateDir);
  const imported = await runOoo(['node', 'import', nodesFile], 600_000, cli.env);
  if (imported.code !== 0) throw new Error(`ooo node import failed:\n${imported.out}`);
  const names = (JSON.parse(readFileSync(nodesFile, 'utf8')) as { nodes: { name: string }[] }).nodes.map(
    (n) => n.name,
  );
  const wait = String(o.waitS);
  await Promise.all(
    names.map(async (n) => {
      await cli.ok(
        'baremetal',
        'node',
        'set',
        n,
        '--resource-class',
        'baremetal',
        '--driver-info',
        `deploy_kernel=${o.kernel}`,
        '--driver-info',
        `deploy_ramdisk=${o.ramdisk}`,
      );
      await cli.ok('baremetal', 'node', 'manage', n, '--wait', wait);
      await cli.ok('baremetal', 'node', 'provide', n, '--wait', wait);
    }),
  );
  return names;
}

/** What a lab machine wrote to its serial console so far. */
export function labConsole(stateDir: string, node: string): string {
  const path = join(stateDir, 'lab', node, 'console.log');
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** Waits until the machine's console, after `from` characters, shows `text`; false after `waitS`. */
export async function waitForConsole(
  stateDir: string,
  node: string,
  text: string,
  from: number,
  waitS: number,
) {
  const deadline = Date.now() + waitS * 1000;
  while (Date.now() < deadline) {
    if (labConsole(stateDir, node).slice(from).includes(text)) return true;
    await sleep(2000);
  }
  return false;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** ssh as root with a key to a guest's address, from inside the lab's namespace; host keys not remembered. */
export function sshInLab(stateDir: string, ip: string, key: string, command: string): Promise<SshResult> {
  return new Promise((done) =>
    execFile(
      'ip',
      [
        'netns',
        'exec',
        labNetns(stateDir),
        'ssh',
        '-i',
        key,
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'ConnectTimeout=20',
        '-o',
        'LogLevel=ERROR',
        `root@${ip}`,
        command,
      ],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 255) : 0, stdout, stderr }),
    ),
  );
}

/** Retries ssh until the guest's server answers (it starts late in a TCG boot); the last result. */
export async function sshWhenUp(stateDir: string, ip: string, key: string, command: string, waitS: number) {
  const deadline = Date.now() + waitS * 1000;
  let last: SshResult = { code: 255, stdout: '', stderr: 'not tried' };
  while (Date.now() < deadline) {
    last = await sshInLab(stateDir, ip, key, command);
    if (last.code !== 255) return last;
    await sleep(5000);
  }
  return last;
}

/** The last warnings and errors of the seed's log (STATE/logs/seed.log): why a server or a node failed. */
export function seedLogProblems(stateDir: string, count = 30): string {
  const log = join(stateDir, 'logs', 'seed.log');
  const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n') : [];
  const bad = lines.filter((l) => /"level":(4|5)\d/.test(l)).slice(-count);
  return `\n--- seed log (warnings, errors) ---\n${bad.join('\n')}`;
}
