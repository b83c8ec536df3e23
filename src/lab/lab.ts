// `ooo lab`: a rack of virtual servers. up = namespace + bridge, one QEMU machine per node (off, blank disk,
// fixed MACs), one BMC per node (ipmi_sim or our Redfish BMC) on loopback with generated credentials, and
// nodes.json; joined to a running seed, its network service serves the lab's DHCP (seed-link.ts). down = the
// seed's lab network, every process with the lab directory on its command line, the namespace, the files.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../platform/context.ts';
import { forwardReady } from './forward.ts';
import { freeTcpPort, freeUdpPort } from './free-port.ts';
import { startMachineIpmiBmc } from './ipmi/bmc.ts';
import { addTap, createLabNetwork, deleteLabNetwork, netnsExists, netnsPids } from './network.ts';
import { nodesJson } from './nodes-json.ts';
import { endProcesses, processesUnder } from './procs.ts';
import { chooseAccel } from './qemu/accel.ts';
import { createMachine } from './qemu/create.ts';
import { QemuMachine, type QmpStatus } from './qemu/machine.ts';
import { startRouterAdverts } from './router-adverts.ts';
import {
  clearSeed,
  findSeed,
  labSubnet,
  linkSeed,
  type SeedAccess,
  seedForwardPorts,
  unlinkSeed,
} from './seed-link.ts';
import { LAB_BRIDGE, labId, labMetadataSocket, labNetns } from './seed-settings.ts';
import { type BmcKind, type LabNode, type LabState, labDir, readLab, writeLab } from './state.ts';

export interface LabUpOptions {
  stateDir: string;
  nodes: number;
  memoryMiB: number;
  diskGiB: number;
  cpus?: number;
  bmc: 'ipmi' | 'redfish' | 'mixed';
  /** The bridge's address in the namespace (the provisioning network's gateway). */
  cidr?: string;
  /** Overrides the KVM probe (tests, or an operator who knows). */
  accel?: 'kvm' | 'tcg';
  /** Host loopback ports (the seed's HTTP endpoints) to make reachable at the bridge's address. */
  forwards?: number[];
  /** A running seed to join: its network service serves the lab's DHCP, its HTTP ports are forwarded. */
  seed?: SeedAccess;
}

const REDFISH_MAIN = join(import.meta.dirname, 'redfish-bmc', 'main.ts');
const FORWARD_MAIN = join(import.meta.dirname, 'forward.ts');

export function validateUp(o: LabUpOptions): void {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 64) throw new Error('--nodes must be 1..64');
  if (!Number.isInteger(o.memoryMiB) || o.memoryMiB < 64 || o.memoryMiB > 65536)
    throw new Error('--memory must be 64..65536 MiB');
  if (!Number.isInteger(o.diskGiB) || o.diskGiB < 1 || o.diskGiB > 2048)
    throw new Error('--disk must be 1..2048 GiB');
  if (!['ipmi', 'redfish', 'mixed'].includes(o.bmc)) throw new Error('--bmc must be ipmi, redfish or mixed');
  if (o.cidr !== undefined && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(o.cidr))
    throw new Error('--cidr must look like 192.0.2.1/24');
  for (const p of o.forwards ?? [])
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`--forward: bad port ${p}`);
}

export async function labUp(ctx: Ctx, o: LabUpOptions): Promise<LabState> {
  validateUp(o);
  // The seed's subnet is made from --cidr: refuse one it cannot take before anything is made.
  if (o.seed) labSubnet(o.cidr ?? '192.0.2.1/24');
  const dir = labDir(o.stateDir);
  if (existsSync(dir)) {
    ctx.log.info({ dir }, 'lab: cleaning a previous lab first');
    await labDown(ctx, o.stateDir);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Named after the state directory: the seed's DHCP settings name the namespace before the lab exists.
  const id = labId(o.stateDir);
  const accel = o.accel ? { accel: o.accel, reason: 'asked for' } : await chooseAccel();
  const state: LabState = {
    id,
    dir,
    netns: labNetns(o.stateDir),
    bridge: LAB_BRIDGE,
    cidr: o.cidr ?? '192.0.2.1/24',
    accel: accel.accel,
    accelReason: accel.reason,
    nodes: [],
    forwards: [...new Set([...(o.forwards ?? []), ...(o.seed ? seedForwardPorts(o.seed) : [])])],
    ...(o.seed?.services['compute-metadata'] ? { metadataSocket: labMetadataSocket(o.stateDir) } : {}),
    createdAt: new Date().toISOString(),
  };
  // Recorded before anything is made, so a failure (or kill -9) half-way is still cleaned by `down`.
  writeLab(state);
  try {
    if (o.seed) await clearSeed(ctx, o.seed);
    // A namespace of this name outlived its lab directory (removed by hand): it is this lab's, remake it.
    if (netnsExists(state.netns)) deleteLabNetwork(state.netns);
    createLabNetwork(state);
    const radvd = await startRouterAdverts(ctx, state);
    if (radvd !== undefined) {
      state.radvdPid = radvd;
      writeLab(state);
    }
    for (let i = 0; i < o.nodes; i++) {
      const kind: BmcKind = o.bmc === 'mixed' ? (i % 2 === 0 ? 'ipmi' : 'redfish') : o.bmc;
      const node: LabNode = {
        name: `node-${i}`,
        uuid: randomUUID(),
        dir: join(dir, `node-${i}`),
        bmc: kind,
        bmcAddress: '127.0.0.1',
        bmcPort: kind === 'ipmi' ? await freeUdpPort() : await freeTcpPort(),
        username: 'admin',
        password: randomBytes(8).toString('hex'),
        macs: [`52:54:00:${id.slice(0, 2)}:${id.slice(2, 4)}:${i.toString(16).padStart(2, '0')}`],
        taps: [`tap${i}`],
        cpus: o.cpus ?? 1,
        memoryMiB: o.memoryMiB,
        diskGiB: o.diskGiB,
      };
      addTap(state, node.taps[0]!);
      createMachine({
        name: node.name,
        uuid: node.uuid,
        dir: node.dir,
        memoryMiB: node.memoryMiB,
        cpus: node.cpus,
        diskGiB: node.diskGiB,
        accel: state.accel,
        netns: state.netns,
        nics: node.macs.map((mac, j) => ({ mac, tap: node.taps[j]! })),
      });
      state.nodes.push(node);
      writeLab(state);
      if (kind === 'ipmi') {
        const sim = await startMachineIpmiBmc(ctx, node.dir, {
          name: node.name,
          address: node.bmcAddress,
          port: node.bmcPort,
          username: node.username,
          password: node.password,
        });
        node.bmcPid = sim.pid;
        writeLab(state);
      }
    }
    if (state.nodes.some((n) => n.bmc === 'redfish')) {
      state.redfishPid = await startRedfishBmcs(ctx, state);
      writeLab(state);
    }
    if (state.forwards!.length > 0 || state.metadataSocket) {
      state.forwardPids = await startForwarders(ctx, state);
      writeLab(state);
    }
    if (o.seed) {
      state.seed = await linkSeed(ctx, o.seed, state);
      writeLab(state);
    }
    writeFileSync(join(dir, 'nodes.json'), `${JSON.stringify(nodesJson(state.nodes), null, 2)}\n`, {
      mode: 0o600,
    });
  } catch (e) {
    await labDown(ctx, o.stateDir);
    throw e;
  }
  return state;
}

async function startRedfishBmcs(ctx: Ctx, state: LabState): Promise<number> {
  const log = openSync(join(state.dir, 'redfish-bmc.out'), 'a');
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', REDFISH_MAIN, state.dir], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const nodes = state.nodes.filter((n) => n.bmc === 'redfish');
  for (let i = 0; i < 200; i++) {
    const up = await Promise.all(
      nodes.map((n) =>
        fetch(`http://${n.bmcAddress}:${n.bmcPort}/redfish/v1/`, { signal: ctx.signal }).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) return child.pid!;
    if (child.exitCode !== null) break;
    await sleep(50, undefined, { signal: ctx.signal });
  }
  throw new Error(`the Redfish BMC did not come up; see ${join(state.dir, 'redfish-bmc.out')}`);
}

async function startForwarders(ctx: Ctx, state: LabState): Promise<number[]> {
  const pids: number[] = [];
  const node = [process.execPath, '--disable-warning=ExperimentalWarning', FORWARD_MAIN];
  for (const half of ['host', 'ns'] as const) {
    const argv =
      half === 'host'
        ? [...node, half, state.dir]
        : ['ip', 'netns', 'exec', state.netns, ...node, half, state.dir];
    const log = openSync(join(state.dir, `forward-${half}.out`), 'a');
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    pids.push(child.pid!);
    for (let i = 0; !existsSync(forwardReady(state.dir, half)); i++) {
      if (i > 200 || child.exitCode !== null)
        throw new Error(`the ${half} half of the forwarder did not start; see forward-${half}.out`);
      await sleep(50, undefined, { signal: ctx.signal });
    }
  }
  return pids;
}

export interface LabDownReport {
  processes: number;
  netns: string[];
}

/** Removes everything the lab made. Safe to run on a half-made or killed lab, or when there is none. */
export async function labDown(ctx: Ctx, stateDir: string): Promise<LabDownReport> {
  const dir = labDir(stateDir);
  const state = readLab(dir);
  // The seed's network first: its agent stops the dnsmasq it runs in the namespace before that goes.
  if (state?.seed) {
    try {
      await unlinkSeed(ctx, state.seed, state.netns);
    } catch (e) {
      ctx.log.warn(
        { err: e, network: state.seed.networkId },
        'lab: could not remove the lab network from the seed; the next `ooo lab up` or `down` removes it',
      );
    }
  } else {
    // No record of one, but the seed runs: a lab removed while the seed was down (killed) left its network
    // there, whose dnsmasq the seed keeps restarting into a namespace that is gone.
    const seed = findSeed(stateDir);
    if (seed)
      await clearSeed(ctx, seed).catch((e) =>
        ctx.log.warn({ err: e }, 'lab: could not remove an old lab network from the seed'),
      );
  }
  // Every lab process has a path inside the lab directory on its command line (QEMU's disk and pid file,
  // ipmi_sim's lan.conf, the BMC programs' arguments); recorded pids are found the same way.
  let ended = 0;
  for (let round = 0; round < 3; round++) {
    const pids = existsSync(dir) ? processesUnder(dir) : [];
    if (pids.length === 0) break;
    ended += (await endProcesses(pids)).length;
  }
  // What still lives in the lab's namespace is the lab's too: the seed's dnsmasq when the seed was killed
  // with -9 (it would keep the namespace, its bridge and taps alive after `ip netns del`).
  if (state?.netns && netnsExists(state.netns)) ended += (await endProcesses(netnsPids(state.netns))).length;
  const removed: string[] = [];
  if (state?.netns && netnsExists(state.netns)) {
    if (!deleteLabNetwork(state.netns)) throw new Error(`cannot delete network namespace ${state.netns}`);
    removed.push(state.netns);
  }
  rmSync(dir, { recursive: true, force: true });
  ctx.log.info({ processes: ended, netns: removed }, 'lab: down');
  return { processes: ended, netns: removed };
}

export interface NodeStatus {
  name: string;
  bmc: BmcKind;
  bmcEndpoint: string;
  bmcUp: boolean;
  power: 'on' | 'off';
  qemu: QmpStatus | undefined;
  macs: string[];
}

export async function labStatus(
  ctx: Ctx,
  stateDir: string,
): Promise<{ lab: LabState; nodes: NodeStatus[] } | undefined> {
  const lab = readLab(labDir(stateDir));
  if (!lab) return undefined;
  const nodes: NodeStatus[] = [];
  for (const n of lab.nodes) {
    const m = QemuMachine.load(n.dir);
    const power = await m.powerState(ctx);
    const qemu = power === 'on' ? await m.qmpStatus(ctx).catch(() => undefined) : undefined;
    const bmcPid = n.bmc === 'ipmi' ? n.bmcPid : lab.redfishPid;
    nodes.push({
      name: n.name,
      bmc: n.bmc,
      bmcEndpoint:
        n.bmc === 'ipmi' ? `ipmi ${n.bmcAddress}:${n.bmcPort}` : `http://${n.bmcAddress}:${n.bmcPort}`,
      bmcUp: bmcPid !== undefined && processesUnder(lab.dir).includes(bmcPid),
      power,
      qemu,
      macs: n.macs,
    });
  }
  return { lab, nodes };
}
