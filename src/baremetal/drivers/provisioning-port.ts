// The node's ports on the provisioning network, through the network service's client only (Ironic's
// neutron network interface, flat, reduced): one Neutron port per PXE-enabled MAC, found or created, carrying
// the boot DHCP options while the node boots the deploy ramdisk. Ports this service makes are marked
// (device_owner baremetal:none, device_id the node). Clean-up takes the options off but keeps the port, so the
// node keeps its address: the network service does not release a deleted port's DHCP lease (Neutron's agent
// runs dhcp_release), and a new port given another node's old address would get no answer from dnsmasq.

import type { NetworkClient } from '../../network/client.ts';
import type { Ctx } from '../../platform/context.ts';
import { BAREMETAL_PORT_OWNER } from '../client.ts';
import type { DhcpOpt } from '../model/pxe.ts';

export const PORT_OWNER = BAREMETAL_PORT_OWNER;

/** Every option name a boot interface sets: what clearing removes. */
const BOOT_OPT_NAMES = ['tag:ipxe,67', 'tag:!ipxe,67', '66', '150'];

type Item = Record<string, unknown>;

export interface ProvisioningNetwork {
  id: string;
  projectId: string;
  /** The first IPv4 gateway of its subnets: where the lab forwards this process's ports. */
  gateway: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The provisioning network named by the settings (name or ID), with the gateway of its IPv4 subnet. */
export async function findProvisioningNetwork(
  ctx: Ctx,
  net: NetworkClient,
  nameOrId: string,
): Promise<ProvisioningNetwork> {
  let found: Item | undefined;
  if (UUID.test(nameOrId)) found = await net.getNetwork(ctx, nameOrId);
  else {
    const named = await net.findNetworks(ctx, { name: nameOrId });
    if (named.length > 1) throw new Error(`more than one network is named ${nameOrId}: configure its ID`);
    found = named[0];
  }
  if (!found) throw new Error(`the provisioning network ${nameOrId} does not exist in the network service`);
  let gateway: string | undefined;
  for (const id of (found.subnets as string[] | undefined) ?? []) {
    const s = await net.getSubnet(ctx, id);
    if (s.ip_version === 4 && typeof s.gateway_ip === 'string') {
      gateway = s.gateway_ip;
      break;
    }
  }
  return { id: String(found.id), projectId: String(found.project_id ?? found.tenant_id ?? ''), gateway };
}

/** Puts the boot options on the port of `mac` on the network, creating the port if there is none. */
export async function bindBootPort(
  ctx: Ctx,
  net: NetworkClient,
  network: ProvisioningNetwork,
  node: { uuid: string; name: string | null },
  mac: string,
  opts: DhcpOpt[],
): Promise<Item> {
  const [port] = await net.listPorts(ctx, { network_id: network.id, mac_address: mac });
  if (port) return net.updatePort(ctx, String(port.id), { extra_dhcp_opts: opts });
  return net.createPort(ctx, {
    network_id: network.id,
    project_id: network.projectId,
    name: `baremetal-${node.name ?? node.uuid}-${mac.replaceAll(':', '')}`,
    mac_address: mac,
    device_id: node.uuid,
    device_owner: PORT_OWNER,
    extra_dhcp_opts: opts,
  });
}

/** Removes our boot options from the port of `mac` on the network (the port stays). */
export async function unbindBootPort(
  ctx: Ctx,
  net: NetworkClient,
  networkId: string,
  mac: string,
): Promise<void> {
  for (const port of await net.listPorts(ctx, { network_id: networkId, mac_address: mac })) {
    const present = ((port.extra_dhcp_opts as { opt_name: string }[] | undefined) ?? []).map(
      (o) => o.opt_name,
    );
    const drop = BOOT_OPT_NAMES.filter((n) => present.includes(n));
    if (drop.length > 0)
      await net.updatePort(ctx, String(port.id), {
        extra_dhcp_opts: drop.map((opt_name) => ({ opt_name, opt_value: null, ip_version: 4 as const })),
      });
  }
}
