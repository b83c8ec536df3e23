// The lab joined to a running seed: the seed is found through its state directory (seed.json names its
// services, clouds.yaml holds the admin credentials), and the lab's provisioning network is made a Neutron
// network of the seed's network service — over its HTTP API as admin, never its tables — so the service's
// own dnsmasq, run in the lab's namespace, is the one DHCP/TFTP server the machines see
// (docs/decisions/lab-seed.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../platform/context.ts';
import { authenticate, credentialsFromEnv, type OsCredentials } from '../platform/openstack-auth.ts';
import { METADATA_ADDRESS } from './network.ts';
import { LAB_BRIDGE, LAB_PHYSICAL_NETWORK } from './seed-settings.ts';

/** The name of the Neutron network the lab creates (one lab per state directory). */
export const LAB_NETWORK_NAME = 'lab-provisioning';

export interface SeedAccess {
  /** Base URL of each service the seed serves, by name (seed.json's `services`). */
  services: Record<string, string>;
  /** The clouds.yaml with the seed's admin credentials (cloud "seed"). */
  cloudsYaml: string;
}

/** What the lab made in the seed, recorded in lab.json so `down` can remove it. */
export interface SeedLinkRecord {
  networkUrl: string;
  networkId: string;
  subnetId: string;
  /** The client config file `down` logs in with again (credentials stay out of lab.json). */
  cloudsYaml: string;
}

/** The running seed of a state directory, or undefined when it has no seed.json or its process is gone. */
export function findSeed(stateDir: string): SeedAccess | undefined {
  const runFile = join(stateDir, 'seed.json');
  if (!existsSync(runFile)) return undefined;
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as {
    pid?: number;
    services?: Record<string, string>;
  };
  if (typeof run.pid !== 'number' || !alive(run.pid) || !run.services) return undefined;
  return { services: run.services, cloudsYaml: join(stateDir, 'clouds.yaml') };
}

/** The admin credentials `ooo seed up` wrote for the `openstack` CLI (cloud "seed"). */
export function seedCredentials(cloudsYaml: string): OsCredentials {
  if (!existsSync(cloudsYaml)) throw new Error(`no ${cloudsYaml}: the seed was not bootstrapped`);
  return credentialsFromEnv({ OS_CLOUD: 'seed', OS_CLIENT_CONFIG_FILE: cloudsYaml, HOME: '/nonexistent' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Host loopback ports of the seed's HTTP services, which the guests reach at the bridge's address. */
export function seedForwardPorts(seed: SeedAccess): number[] {
  const ports: number[] = [];
  for (const url of Object.values(seed.services)) {
    const u = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) continue;
    ports.push(Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}

interface Net {
  url: string;
  token: string;
}

/** The parts of Neutron's answers the lab reads. */
interface NeutronBody {
  network?: { id: string };
  subnet?: { id: string };
  networks?: { id: string }[];
  ports?: { id: string; device_owner?: string }[];
  agents?: { configurations?: { state?: string; message?: string; pid?: number | null } }[];
}

async function neutron(ctx: Ctx, net: Net, method: string, path: string, body?: unknown) {
  const res = await fetch(`${net.url}/v2.0${path}`, {
    method,
    headers: {
      'x-auth-token': net.token,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: ctx.signal,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as NeutronBody) : {} };
}

async function session(ctx: Ctx, credentials: OsCredentials, fallbackUrl?: string): Promise<Net> {
  const s = await authenticate(ctx, credentials);
  let url: string;
  try {
    url = s.endpoint('network');
  } catch (e) {
    if (!fallbackUrl) throw e;
    url = fallbackUrl;
  }
  return { url: url.replace(/\/v2\.0$/, ''), token: s.token };
}

/** The subnet of the bridge's address: 192.0.2.1/24 → 192.0.2.0/24, gateway 192.0.2.1, a pool above it. */
export function labSubnet(cidr: string): { cidr: string; gateway: string; start: string; end: string } {
  const [addr, bits] = cidr.split('/') as [string, string];
  const prefix = Number(bits);
  if (prefix < 8 || prefix > 29) throw new Error(`--cidr ${cidr}: the prefix must be 8..29`);
  const n = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const base = n - (n % size);
  const dot = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
  // The pool leaves the bridge's address out; it starts above it when the bridge is low in the range.
  const low = n - base < size / 2;
  return {
    cidr: `${dot(base)}/${prefix}`,
    gateway: addr,
    start: dot(low ? n + 1 : base + 1),
    end: dot(low ? base + size - 2 : n - 1),
  };
}

/**
 * Deletes the lab networks a killed lab left in the seed, before the namespace is made: the seed's DHCP agent
 * keeps restarting their dnsmasq, which would otherwise start in the new namespace beside the new one.
 */
export async function clearSeed(ctx: Ctx, seed: SeedAccess): Promise<void> {
  await removeLabNetworks(ctx, await session(ctx, seedCredentials(seed.cloudsYaml), seed.services.network));
}

/**
 * Creates the lab's flat network (physical network "lab", which the seed maps to the lab's bridge) and its
 * subnet, then waits for the seed's DHCP agent to run dnsmasq for it. A network of that name left by a lab
 * killed earlier is deleted first.
 */
export async function linkSeed(
  ctx: Ctx,
  seed: SeedAccess,
  lab: { netns: string; cidr: string },
): Promise<SeedLinkRecord> {
  const net = await session(ctx, seedCredentials(seed.cloudsYaml), seed.services.network);
  await removeLabNetworks(ctx, net);
  const n = await neutron(ctx, net, 'POST', '/networks', {
    network: {
      name: LAB_NETWORK_NAME,
      description: `ooo lab provisioning network (namespace ${lab.netns}, bridge ${LAB_BRIDGE})`,
      'provider:network_type': 'flat',
      'provider:physical_network': LAB_PHYSICAL_NETWORK,
    },
  });
  if (n.status !== 201)
    throw new Error(`the seed refused the lab network: ${n.status} ${JSON.stringify(n.body)}`);
  const networkId = n.body.network!.id;
  const sub = labSubnet(lab.cidr);
  const s = await neutron(ctx, net, 'POST', '/subnets', {
    subnet: {
      network_id: networkId,
      name: `${LAB_NETWORK_NAME}-subnet`,
      ip_version: 4,
      cidr: sub.cidr,
      gateway_ip: sub.gateway,
      allocation_pools: [{ start: sub.start, end: sub.end }],
      enable_dhcp: true,
      // Guests reach the metadata service through the bridge (forward.ts), as DHCP option 121 tells them.
      host_routes: [{ destination: `${METADATA_ADDRESS}/32`, nexthop: sub.gateway }],
    },
  });
  const record: SeedLinkRecord = {
    networkUrl: net.url,
    networkId,
    subnetId: '',
    cloudsYaml: seed.cloudsYaml,
  };
  if (s.status !== 201) {
    await neutron(ctx, net, 'DELETE', `/networks/${networkId}`);
    throw new Error(`the seed refused the lab subnet: ${s.status} ${JSON.stringify(s.body)}`);
  }
  record.subnetId = s.body.subnet!.id;
  // The agent starts dnsmasq when it sees the subnet; it runs in the lab's namespace only if the seed was
  // started with the lab's DHCP settings. Ready when that dnsmasq (the pid the agent reports) is the only one
  // there: another is a deleted network's the agent is still stopping.
  let why = '';
  let others: number[] = [];
  for (let i = 0; i < 100; i++) {
    const a = await neutron(ctx, net, 'GET', `/networks/${networkId}/dhcp-agents`);
    const agent = a.body.agents?.[0];
    why = agent ? `dnsmasq ${agent.configurations?.state}: ${agent.configurations?.message ?? ''}` : '';
    const servers = dnsmasqPidsIn(lab.netns);
    const ours = agent?.configurations?.pid;
    others = servers.filter((p) => p !== ours);
    if (agent?.configurations?.state === 'running' && ours && servers.includes(ours) && others.length === 0)
      return record;
    await sleep(100, undefined, { signal: ctx.signal });
  }
  await neutron(ctx, net, 'DELETE', `/networks/${networkId}`);
  if (others.length > 0 && why.startsWith('dnsmasq running'))
    throw new Error(
      `another dnsmasq serves DHCP in ${lab.netns} beside the seed's: pids ${others.join(', ')}`,
    );
  throw new Error(
    `the seed's network service runs no dnsmasq in ${lab.netns} (${why || 'no DHCP agent for the network'}); ` +
      `start the seed with \`ooo seed up\` on this state directory (it maps physical network ` +
      `"${LAB_PHYSICAL_NETWORK}" to the lab's bridge), or give it the settings of docs/lab.md`,
  );
}

/** Deletes the lab's network (with the ports on it) from the seed and waits for its dnsmasq to leave the
 * namespace. */
export async function unlinkSeed(ctx: Ctx, record: SeedLinkRecord, netns: string): Promise<void> {
  const net = await session(ctx, seedCredentials(record.cloudsYaml), record.networkUrl);
  await removeNetwork(ctx, net, record.networkId);
  await removeLabNetworks(ctx, net);
  for (let i = 0; i < 100 && dnsmasqIn(netns); i++) await sleep(100, undefined, { signal: ctx.signal });
}

async function removeLabNetworks(ctx: Ctx, net: Net): Promise<void> {
  const old = await neutron(ctx, net, 'GET', `/networks?name=${LAB_NETWORK_NAME}`);
  for (const o of old.body.networks ?? []) await removeNetwork(ctx, net, o.id);
}

/** Ports first (Neutron refuses to delete a network that still has ports in use), then the network. */
async function removeNetwork(ctx: Ctx, net: Net, id: string): Promise<void> {
  const ports = await neutron(ctx, net, 'GET', `/ports?network_id=${id}`);
  for (const p of ports.body.ports ?? [])
    if (p.device_owner !== 'network:dhcp') await neutron(ctx, net, 'DELETE', `/ports/${p.id}`);
  const d = await neutron(ctx, net, 'DELETE', `/networks/${id}`);
  if (d.status !== 204 && d.status !== 404)
    throw new Error(`the seed did not delete the lab network ${id}: ${d.status} ${JSON.stringify(d.body)}`);
}

/** The dnsmasq processes in the namespace (`ip netns pids` sees processes whatever started them). */
export function dnsmasqPidsIn(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map(Number)
    .filter((pid) => {
      try {
        return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dnsmasq';
      } catch {
        return false;
      }
    });
}

/** Whether a dnsmasq runs in the namespace. */
export const dnsmasqIn = (netns: string): boolean => dnsmasqPidsIn(netns).length > 0;
