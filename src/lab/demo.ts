// The lab demo, written once for the end-to-end test and the main command: with a seed running on the state
// directory, `ooo lab up` makes the machines, `ooo node import` enrols them, and the real `openstack` CLI
// takes them through manage → inspect → provide (automated cleaning in the deploy ramdisk) → deploy of the
// user image (each machine boots its own disk to the image's marker) → undeploy (cleaning) → available. Each
// phase is timed; every node of a phase runs at once.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../platform/context.ts';
import { run } from '../platform/proc/run.ts';

export const USER_IMAGE_MARKER = 'TRIPLEO-TS-USER-IMAGE up';
export const USER_IMAGE_NAME = 'tripleo-ts-user';
const OPENSTACK = '/usr/bin/openstack';
const OOO = resolve(import.meta.dirname, '../../bin/ooo');

export interface DemoOptions {
  stateDir: string;
  nodes: number;
  bmc: 'ipmi' | 'redfish' | 'mixed';
  memoryMiB: number;
  diskGiB: number;
  /** The deploy ramdisk (absolute paths on this host, as driver_info deploy_kernel/deploy_ramdisk). */
  deployKernel: string;
  deployRamdisk: string;
  /** The user image (qcow2 whole disk) to upload and deploy. */
  userImage: string;
  /** Which nodes (by index) are deployed; default all. */
  deploy?: number[];
  /** Inspection before provide (one more ramdisk boot per node). */
  inspect: boolean;
  /** Undeploy (and clean) the deployed nodes at the end. */
  undeploy: boolean;
  /** --wait of each CLI step, and the wait for the marker, in seconds. */
  waitS: number;
  /** Extra `ooo lab up` arguments (e.g. --accel tcg). */
  labArgs?: string[];
  /** What the deployed image prints once up (default: the user image's marker). */
  marker?: string;
}

export interface DemoPhase {
  name: string;
  seconds: number;
}

export interface DemoResult {
  nodes: string[];
  deployed: string[];
  imageId: string;
  phases: DemoPhase[];
  /** `ooo node timeline` of each deployed node. */
  timelines: Record<string, string>;
}

export interface DemoIo {
  say(line: string): void;
}

export class DemoError extends Error {}

export async function runLabDemo(ctx: Ctx, o: DemoOptions, io: DemoIo): Promise<DemoResult> {
  const env = {
    OS_CLIENT_CONFIG_FILE: join(o.stateDir, 'clouds.yaml'),
    OS_CLOUD: 'seed',
    PYTHONWARNINGS: 'ignore',
  };
  const phases: DemoPhase[] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    io.say(`demo: ${name} ...`);
    const out = await work();
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    phases.push({ name, seconds });
    io.say(`demo: ${name} done in ${seconds} s`);
    return out;
  };
  const cli = async (cmd: string, args: string[]) => {
    const r = await run(ctx, cmd, args, { env, allowFail: true });
    if (r.code !== 0)
      throw new DemoError(
        `${cmd === OOO ? 'ooo' : 'openstack'} ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`,
      );
    return r.stdout;
  };
  const os = (...args: string[]) => cli(OPENSTACK, args);
  const ooo = (...args: string[]) => cli(OOO, args);
  const wait = String(o.waitS);
  const each = (names: string[], f: (n: string) => Promise<unknown>) => Promise.all(names.map(f));
  const state = async (n: string) =>
    (await os('baremetal', 'node', 'show', n, '-f', 'value', '-c', 'provision_state')).trim();

  await timed('lab up', () =>
    ooo(
      'lab',
      'up',
      '--state-dir',
      o.stateDir,
      '--nodes',
      String(o.nodes),
      '--bmc',
      o.bmc,
      '--memory',
      String(o.memoryMiB),
      '--disk',
      String(o.diskGiB),
      ...(o.labArgs ?? []),
    ),
  );
  const nodesFile = join(o.stateDir, 'lab', 'nodes.json');
  const names = (JSON.parse(readFileSync(nodesFile, 'utf8')) as { nodes: { name: string }[] }).nodes.map(
    (n) => n.name,
  );
  const imageId = await timed('image upload', () => uploadImage(os, o.userImage));
  await timed('node import', async () => {
    io.say((await ooo('node', 'import', nodesFile)).trimEnd());
    await each(names, (n) =>
      os(
        'baremetal',
        'node',
        'set',
        n,
        '--driver-info',
        `deploy_kernel=${o.deployKernel}`,
        '--driver-info',
        `deploy_ramdisk=${o.deployRamdisk}`,
      ),
    );
  });
  await timed('manage', () => each(names, (n) => os('baremetal', 'node', 'manage', n, '--wait', wait)));
  if (o.inspect)
    await timed('inspect', () => each(names, (n) => os('baremetal', 'node', 'inspect', n, '--wait', wait)));
  await timed('provide (cleaning)', () =>
    each(names, (n) => os('baremetal', 'node', 'provide', n, '--wait', wait)),
  );
  for (const n of names) {
    const s = await state(n);
    if (s !== 'available') throw new DemoError(`${n} is ${s} after provide`);
  }

  const deployed = (o.deploy ?? names.map((_, i) => i)).map((i) => names[i]).filter((n): n is string => !!n);
  const consoles = new Map(deployed.map((n) => [n, join(o.stateDir, 'lab', n, 'console.log')]));
  const before = new Map(deployed.map((n) => [n, consoleText(consoles.get(n)!).length]));
  if (deployed.length > 0) {
    await timed('deploy', () =>
      each(deployed, async (n) => {
        await os('baremetal', 'node', 'set', n, '--instance-info', `image_source=${imageId}`);
        await os('baremetal', 'node', 'deploy', n, '--wait', wait);
      }),
    );
    await timed('boot to the user image marker', () =>
      each(deployed, async (n) => {
        const deadline = Date.now() + o.waitS * 1000;
        const marker = o.marker ?? USER_IMAGE_MARKER;
        for (;;) {
          if (consoleText(consoles.get(n)!).slice(before.get(n)).includes(marker)) return;
          if (Date.now() > deadline)
            throw new DemoError(`${n}: no "${marker}" on its console within ${o.waitS} s`);
          await sleep(1000, undefined, { signal: ctx.signal });
        }
      }),
    );
  }
  const timelines: Record<string, string> = {};
  for (const n of deployed) {
    timelines[n] = await ooo('node', 'timeline', n);
    io.say(`demo: timeline of ${n}\n${timelines[n].trimEnd()}`);
  }
  if (o.undeploy) {
    await timed('undeploy (cleaning)', () =>
      each(deployed, (n) => os('baremetal', 'node', 'undeploy', n, '--wait', wait)),
    );
    for (const n of deployed) {
      const s = await state(n);
      if (s !== 'available') throw new DemoError(`${n} is ${s} after undeploy`);
    }
  }
  return { nodes: names, deployed, imageId, phases, timelines };
}

function consoleText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** The user image by name, uploaded once. */
async function uploadImage(os: (...a: string[]) => Promise<string>, file: string): Promise<string> {
  const found = (
    await os('image', 'list', '--name', USER_IMAGE_NAME, '-f', 'value', '-c', 'ID', '-c', 'Status')
  )
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find(([, status]) => status === 'active');
  if (found?.[0]) return found[0];
  const id = await os(
    'image',
    'create',
    '--disk-format',
    'qcow2',
    '--container-format',
    'bare',
    // the bare metal service's deploy credential reads it: it must see the image (docs/baremetal.md)
    '--public',
    '--file',
    file,
    USER_IMAGE_NAME,
    '-f',
    'value',
    '-c',
    'id',
  );
  return id.trim();
}
