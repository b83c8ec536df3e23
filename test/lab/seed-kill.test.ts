// `ooo lab down` after kill -9 of everything, with a REAL seed: `ooo seed up` (identity and network: the
// network service's DHCP agent runs dnsmasq inside the lab's namespace) and `ooo lab up --nodes 2` (one IPMI,
// one Redfish BMC) joined to it, one machine powered on so QEMU runs. Then SIGKILL to the seed and every
// process under it, and to every lab process (recorded pids, the lab directory on a command line, the
// namespace's processes, and theirs). `ooo lab down` must leave no process of the run, no namespace (nor one
// held alive by a process: its bridge and taps would live on with it) and no tap or bridge; a seed started
// again on that state and a new `ooo lab up` work, with the killed lab's network gone from the seed. Last, the
// common case: kill -9 of the seed alone leaves its dnsmasq running in the namespace; `down` ends it, and
// once the seed runs again, `down` removes the network the seed kept.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeTcpPort } from '../../src/lab/free-port.ts';
import { netnsExists, netnsPids } from '../../src/lab/network.ts';
import { processesUnder } from '../../src/lab/procs.ts';
import { QemuMachine } from '../../src/lab/qemu/machine.ts';
import { RADVD } from '../../src/lab/router-adverts.ts';
import { dnsmasqIn, LAB_NETWORK_NAME, seedCredentials } from '../../src/lab/seed-link.ts';
import { type LabState, readLab } from '../../src/lab/state.ts';
import { authenticate } from '../../src/platform/openstack-auth.ts';
import { netnsUnavailable } from '../network/netns.ts';
import { OOO, type SeedProcess, startSeedProcess } from '../support/seed-process.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const skip =
  netnsUnavailable() ??
  ipmiSimUnavailable() ??
  (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'no qemu-system-x86_64') ??
  (existsSync('/usr/sbin/dnsmasq') ? undefined : 'no dnsmasq');

/** `ooo lab up` with the smallest machines this test needs. */
const labUp = (stateDir: string, nodes: number, bmc: string) =>
  ooo([
    'lab',
    'up',
    '--state-dir',
    stateDir,
    '--nodes',
    String(nodes),
    '--bmc',
    bmc,
    '--memory',
    '128',
    '--disk',
    '1',
    '--accel',
    'tcg',
  ]);

function ooo(args: string[]) {
  return new Promise<{ code: number; out: string }>((done) => {
    execFile(OOO, args, { timeout: 300_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A process as it was seen: its pid and its start time, so a recycled pid is not taken for it. */
interface Seen {
  pid: number;
  start: string;
  what: string;
}

function stat(pid: number): { ppid: number; state: string; start: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) in parentheses: state ppid ... starttime (the 20th).
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]), start: rest[19]! };
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

const pidsNow = () =>
  readdirSync('/proc')
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0);

/** The roots and every process below them (by parent pid), never this test's own process. */
function withDescendants(roots: number[]): Seen[] {
  const parents = new Map<number, number[]>();
  for (const pid of pidsNow()) {
    const s = stat(pid);
    if (s) parents.set(s.ppid, [...(parents.get(s.ppid) ?? []), pid]);
  }
  const out = new Map<number, Seen>();
  const visit = (pid: number) => {
    if (out.has(pid) || pid === process.pid) return;
    const s = stat(pid);
    if (!s || s.state === 'Z') return;
    out.set(pid, { pid, start: s.start, what: commandOf(pid) });
    for (const c of parents.get(pid) ?? []) visit(c);
  };
  for (const r of roots) visit(r);
  return [...out.values()];
}

/** Still running (a zombie has ended: only its parent's bookkeeping is left) and the same process. */
const stillRuns = (p: Seen) => {
  const s = stat(p.pid);
  return s !== undefined && s.state !== 'Z' && s.start === p.start;
};

/** The namespace's identity (the inode of its nsfs file), to find it after its name is gone. */
const netnsInode = (netns: string) => `net:[${statSync(`/run/netns/${netns}`).ino}]`;

/** Processes inside the namespace, or holding it open: a namespace without a name lives on with them. */
function holdersOf(nsLink: string): number[] {
  const out: number[] = [];
  for (const pid of pidsNow()) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) === nsLink) {
        out.push(pid);
        continue;
      }
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === nsLink) {
          out.push(pid);
          break;
        }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const hostLinks = () =>
  (spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);

describe('ooo lab down after kill -9 of a real seed and its lab', { skip }, () => {
  let stateDir: string;
  let seed: SeedProcess | undefined;
  let lab: LabState;
  const timings: Record<string, number> = {};
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings[what] = Date.now() - t0;
    }
  };
  // biome-ignore lint/suspicious/noExplicitAny: Neutron's JSON, read field by field
  const neutron = async (path: string): Promise<any> => {
    const session = await authenticate(testCtx(), seedCredentials(join(stateDir, 'clouds.yaml')));
    const res = await fetch(`${seed!.url('network')}/v2.0${path}`, {
      headers: { 'x-auth-token': session.token },
    });
    return res.json();
  };

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ooo-seedkill-'));
    // Only what serves the lab's DHCP (without `services` the seed serves all of them), on fixed ports: the
    // seed started again later must be where clouds.yaml, written at the first start, says it is.
    writeFileSync(
      join(stateDir, 'ooo.json'),
      JSON.stringify({
        services: ['identity', 'network'],
        ports: { identity: await freeTcpPort(), network: await freeTcpPort() },
        settings: { identity: { hashCostLog2: 10 } },
      }),
    );
    seed = await timed('seed up', () => startSeedProcess(['--state-dir', stateDir]));
    const up = await timed('lab up', () => labUp(stateDir, 2, 'mixed'));
    assert.equal(up.code, 0, `${up.out}\n${seed.output()}`);
    lab = readLab(join(stateDir, 'lab'))!;
  });

  after(async () => {
    if (stateDir) await ooo(['lab', 'down', '--state-dir', stateDir]);
    await seed?.stop();
    if (stateDir && !process.env.OOO_TEST_KEEP) rmSync(stateDir, { recursive: true, force: true });
    console.log(`seed-kill timings (ms): ${JSON.stringify(timings)}`);
  });

  test('kill -9 of the seed, its dnsmasq and every lab process; down leaves no process, namespace or tap', async () => {
    const vm = QemuMachine.load(lab.nodes[1]!.dir);
    await vm.powerOn(testCtx());
    assert.ok(dnsmasqIn(lab.netns), 'the seed runs dnsmasq in the lab namespace');
    const ns = netnsInode(lab.netns);
    const recorded = [
      ...lab.nodes.map((n) => n.bmcPid),
      lab.redfishPid,
      ...(lab.forwardPids ?? []),
      lab.radvdPid,
      vm.pid(),
    ].filter((p): p is number => p !== undefined);
    const victims = withDescendants([
      seed!.child.pid!,
      ...recorded,
      ...processesUnder(lab.dir),
      ...processesUnder(stateDir),
      ...netnsPids(lab.netns),
    ]);
    const names = victims.map((v) => v.what).join('\n');
    for (const what of [/ooo\.ts seed up/, /dnsmasq/, /qemu-system-x86_64/, /ipmi_sim/, /redfish-bmc/])
      assert.match(names, what);
    assert.equal(names.match(/forward\.ts (host|ns)/g)?.length, 2, names);
    if (existsSync(RADVD)) assert.match(names, /radvd/);
    for (const v of victims)
      try {
        process.kill(v.pid, 'SIGKILL');
      } catch {}
    for (let i = 0; i < 100 && victims.some(stillRuns); i++) await sleep(50);
    assert.deepEqual(victims.filter(stillRuns), [], 'SIGKILL ended them all');
    // The seed is gone for good (its exit seen), with its run file left behind as after a real kill -9.
    await seed!.stop();
    seed = undefined;
    assert.ok(existsSync(join(stateDir, 'seed.json')));

    const down = await timed('lab down', () => ooo(['lab', 'down', '--state-dir', stateDir]));
    assert.equal(down.code, 0, down.out);
    assert.deepEqual(victims.filter(stillRuns), []);
    assert.deepEqual(
      processesUnder(stateDir).map((p) => `${p} ${commandOf(p)}`),
      [],
      'nothing names the state directory',
    );
    assert.equal(netnsExists(lab.netns), false, 'ip netns list');
    assert.deepEqual(holdersOf(ns), [], 'no process keeps the namespace (its bridge and taps) alive');
    const links = hostLinks();
    for (const l of [lab.bridge, ...lab.nodes.flatMap((n) => n.taps)]) assert.ok(!links.includes(l), l);
    assert.equal(existsSync(lab.dir), false);
  });

  test('a seed started again and `ooo lab up` on that state: the killed lab network is gone from the seed', async () => {
    const old = lab.seed!.networkId;
    seed = await timed('seed up again', () => startSeedProcess(['--state-dir', stateDir]));
    const up = await timed('lab up again', () => labUp(stateDir, 1, 'ipmi'));
    assert.equal(up.code, 0, `${up.out}\n${seed.output()}`);
    const now = readLab(join(stateDir, 'lab'))!;
    const nets = await neutron(`/networks?name=${LAB_NETWORK_NAME}`);
    assert.deepEqual(
      nets.networks.map((n: { id: string }) => n.id),
      [now.seed!.networkId],
    );
    assert.notEqual(now.seed!.networkId, old);
    // One DHCP server on the bridge: the new network's.
    const dnsmasqs = netnsPids(now.netns).filter((p) => / dnsmasq|^\S*dnsmasq/.test(commandOf(p)));
    assert.equal(dnsmasqs.length, 1, dnsmasqs.map(commandOf).join('\n'));
    assert.match(commandOf(dnsmasqs[0]!), new RegExp(`dhcp/${now.seed!.networkId}/`));
    lab = now;
  });

  test('kill -9 of the seed alone: down ends its dnsmasq, and the network once the seed runs again', async () => {
    const [dnsmasq] = withDescendants(netnsPids(lab.netns)).filter((p) => /dnsmasq/.test(p.what));
    assert.ok(dnsmasq, 'the seed runs dnsmasq in the lab namespace');
    const ns = netnsInode(lab.netns);
    seed!.child.kill('SIGKILL');
    await seed!.stop();
    seed = undefined;
    assert.ok(stillRuns(dnsmasq), 'an orphan, as after a real kill -9 of the seed');
    const down = await timed('lab down after the seed alone', () =>
      ooo(['lab', 'down', '--state-dir', stateDir]),
    );
    assert.equal(down.code, 0, down.out);
    assert.equal(stillRuns(dnsmasq), false);
    assert.deepEqual(processesUnder(stateDir), []);
    assert.equal(netnsExists(lab.netns), false);
    assert.deepEqual(holdersOf(ns), []);
    // The seed, started again, still has the network (down could not reach it): `down` now removes it.
    seed = await startSeedProcess(['--state-dir', stateDir]);
    assert.equal((await neutron(`/networks?name=${LAB_NETWORK_NAME}`)).networks.length, 1);
    const again = await ooo(['lab', 'down', '--state-dir', stateDir]);
    assert.equal(again.code, 0, again.out);
    assert.deepEqual((await neutron(`/networks?name=${LAB_NETWORK_NAME}`)).networks, []);
  });
});
