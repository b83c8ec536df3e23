// The provisioning network: a network namespace of the lab's own with a bridge (carrying the lab's gateway
// address, where the network service's dnsmasq serves DHCP/TFTP) and one tap per machine NIC. Nothing is
// created or changed outside the namespace (docs/decisions/lab-network.md).
import { execFileSync, spawnSync } from 'node:child_process';

/** Where instances ask for their metadata (the link-local address every cloud uses). */
export const METADATA_ADDRESS = '169.254.169.254';

export interface LabNetwork {
  netns: string;
  bridge: string;
  /** The bridge's address with prefix, e.g. 192.0.2.1/24. */
  cidr: string;
}

const ip = (...args: string[]) => {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`);
  }
};

/** Why the lab network cannot be made here, or undefined. */
export function labNetworkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot create network namespaces and taps';
  const r = spawnSync('ip', ['-V']);
  if (r.status !== 0) return 'no ip (Debian package iproute2)';
  return undefined;
}

export function createLabNetwork(net: LabNetwork): void {
  ip('netns', 'add', net.netns);
  try {
    ip('-n', net.netns, 'link', 'set', 'lo', 'up');
    // The metadata address is the namespace's own: guests route it to the bridge (the subnet's host route).
    ip('-n', net.netns, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'lo');
    ip('-n', net.netns, 'link', 'add', net.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    ip('-n', net.netns, 'addr', 'add', net.cidr, 'dev', net.bridge);
    ip('-n', net.netns, 'link', 'set', net.bridge, 'up');
  } catch (e) {
    deleteLabNetwork(net.netns);
    throw e;
  }
}

/** A tap in the namespace, enslaved to the bridge, before QEMU (run in the namespace) opens it. */
export function addTap(net: LabNetwork, tap: string): void {
  ip('-n', net.netns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap');
  ip('-n', net.netns, 'link', 'set', tap, 'master', net.bridge);
  ip('-n', net.netns, 'link', 'set', tap, 'up');
}

/** Deleting the namespace deletes its bridge and taps with it. */
export function deleteLabNetwork(netns: string): boolean {
  return spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' }).status === 0;
}

/** The processes living in a namespace (`ip netns pids`). */
export function netnsPids(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

export function netnsExists(netns: string): boolean {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').some((l) => l.split(/\s+/)[0] === netns);
}

/** The links of a namespace (names), for status and tests. */
export function netnsLinks(netns: string): string[] {
  const r = spawnSync('ip', ['-n', netns, '-o', 'link', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}
