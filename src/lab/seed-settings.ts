// What the seed's network service needs to serve DHCP on the lab's provisioning network: physical network
// "lab" bound to the lab's bridge, and dnsmasq run inside the lab's namespace. The namespace's name follows
// from the state directory, so `ooo seed up` can set this before any lab exists (dnsmasq starts only when
// `ooo lab up` creates the network's subnet).
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export const LAB_BRIDGE = 'br-lab';
export const LAB_PHYSICAL_NETWORK = 'lab';
export const IPXE_DIR = '/usr/lib/ipxe';

/** Six hex digits naming this state directory's lab (its namespace, its MACs). */
export function labId(stateDir: string): string {
  return createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 6);
}

export const labNetns = (stateDir: string) => `ooo-lab-${labId(stateDir)}`;

/** The network service's dhcp settings for this state directory's lab. */
export function labDhcpSettings(stateDir: string): Record<string, unknown> {
  return {
    physical_interface_mappings: { [LAB_PHYSICAL_NETWORK]: LAB_BRIDGE },
    command_prefix: ['ip', 'netns', 'exec', labNetns(stateDir)],
    // Debian's ipxe package: undionly.kpxe for machines whose firmware has no iPXE (boot interface `pxe`).
    tftp_root: IPXE_DIR,
  };
}

/**
 * The seed's settings with the lab's DHCP added to the network service's, unless the operator configured
 * the DHCP agent's interfaces or command prefix (then those win and the lab is theirs to wire).
 */
export function withLabDhcp(
  settings: Record<string, Record<string, unknown>>,
  stateDir: string,
): Record<string, Record<string, unknown>> {
  const network = settings.network ?? {};
  const dhcp = (network.dhcp ?? {}) as Record<string, unknown>;
  if (dhcp.physical_interface_mappings || network.physical_interface_mappings || dhcp.command_prefix)
    return settings;
  return { ...settings, network: { ...network, dhcp: { ...labDhcpSettings(stateDir), ...dhcp } } };
}

/**
 * The seed's settings with the bare metal service booting nodes on the lab's provisioning network (the one
 * `ooo lab up` creates), unless the operator named a provisioning network.
 */
export function withLabBaremetal(
  settings: Record<string, Record<string, unknown>>,
  networkName: string,
  stateDir: string,
): Record<string, Record<string, unknown>> {
  const baremetal = settings.baremetal ?? {};
  if (baremetal.provisioningNetwork) return settings;
  // The conductor calls the agents in the guests through the lab's proxy into its namespace.
  const agentSocket = join(resolve(stateDir), 'lab', 'fwd', 'into-lab.sock');
  return { ...settings, baremetal: { ...baremetal, provisioningNetwork: networkName, agentSocket } };
}

/** Where the seed's metadata service trusts X-Forwarded-For: the socket the lab's 169.254.169.254 proxy uses. */
export const labMetadataSocket = (stateDir: string) =>
  join(resolve(stateDir), 'compute-metadata', 'forwarded.sock');

/** The seed's settings with the metadata service listening on the lab's trusted socket, unless the operator
 * named one. */
export function withLabMetadata(
  settings: Record<string, Record<string, unknown>>,
  stateDir: string,
): Record<string, Record<string, unknown>> {
  const md = settings['compute-metadata'] ?? {};
  if (md.forwardedForSocket) return settings;
  return { ...settings, 'compute-metadata': { ...md, forwardedForSocket: labMetadataSocket(stateDir) } };
}

/**
 * The seed's settings with servers put on the lab's provisioning network by default (the network `ooo lab up`
 * creates; the HOWTO's servers sit on the network their nodes boot on), unless the operator named one.
 */
export function withLabCompute(
  settings: Record<string, Record<string, unknown>>,
  networkName: string,
): Record<string, Record<string, unknown>> {
  const compute = settings.compute ?? {};
  if (compute.provisioningNetwork) return settings;
  return { ...settings, compute: { ...compute, provisioningNetwork: networkName } };
}

/** The bridge's address of a lab made with the default `--cidr`: where guests reach the seed's ports. */
export const LAB_BRIDGE_ADDRESS = '192.0.2.1';

/** The seed's settings with Heat giving machines the CFN API at the lab's bridge address (its port forwarded
 * there), unless the operator named the URL or host machines use. */
export function withLabOrchestration(
  settings: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const heat = settings.orchestration ?? {};
  if (heat.cfnUrl || heat.cfnHost) return settings;
  return { ...settings, orchestration: { ...heat, cfnHost: LAB_BRIDGE_ADDRESS } };
}
