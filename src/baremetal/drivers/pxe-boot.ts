// The `ipxe` and `pxe` boot interfaces (Ironic's iPXEBoot/PXEBoot, iPXE all the way): before a boot into the
// deploy ramdisk the conductor stages the node's deploy kernel and ramdisk, writes an iPXE script per MAC,
// puts the boot DHCP options on the node's provisioning port (through the network service's client) and
// sets the next boot to PXE; for the instance it writes a script that exits to the local disk and takes the
// options off (the port stays: the instance takes its address from it); clean-up removes the scripts and
// the options (the ports stay: see provisioning-port.ts). `ipxe` expects firmware with iPXE (QEMU's ROMs); `pxe` also serves plain PXE firmware,
// which first loads iPXE (undionly.kpxe) by TFTP from the network service's dnsmasq.
import type { NetworkClient } from '../../network/client.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Node } from '../model/node.ts';
import { type BootUrls, bootDhcpOpts, diskScript, ramdiskScript, validateBootInfo } from '../model/pxe.ts';
import type { BaremetalSettings } from '../model/settings.ts';
import type { PortStore } from '../store/ports.ts';
import type { BootFiles, ImageData } from './boot-files.ts';
import { implementation } from './compose.ts';
import type { BootInterface, ManagementInterface } from './interfaces.ts';
import {
  bindBootPort,
  findProvisioningNetwork,
  type ProvisioningNetwork,
  unbindBootPort,
} from './provisioning-port.ts';

export interface PxeEnv {
  settings: BaremetalSettings;
  files: BootFiles;
  images: ImageData;
  ports: PortStore;
  network: () => NetworkClient;
  /** The port this service listens on (nodes reach it at the provisioning host, where it is forwarded). */
  apiPort: () => number;
}

let env: PxeEnv | undefined;

/** Set by the bare metal service when it starts (drivers are looked up by name). */
export function setPxeEnv(e: PxeEnv | undefined): void {
  env = e;
}

function theEnv(): PxeEnv {
  if (!env) throw new Error('network boot needs the bare metal service of this process running');
  return env;
}

async function provisioning(ctx: Ctx, e: PxeEnv): Promise<{ network: ProvisioningNetwork; urls: BootUrls }> {
  const name = e.settings.provisioningNetwork;
  if (!name)
    throw new Error('no provisioning network is configured (settings.baremetal.provisioningNetwork)');
  const network = await findProvisioningNetwork(ctx, e.network(), name);
  const host = e.settings.provisioningHost ?? network.gateway;
  if (!host)
    throw new Error(
      `the provisioning network ${name} has no IPv4 gateway: set settings.baremetal.provisioningHost`,
    );
  const urls: BootUrls = { api: `http://${host}:${e.apiPort()}` };
  if (e.settings.tftpServer) urls.tftpServer = e.settings.tftpServer;
  return { network, urls };
}

/** Whether the node network-boots through these interfaces (and so reaches services on the provisioning network). */
export const networkBooted = (node: Node) => ['ipxe', 'pxe'].includes(node.interfaces.boot);

/** A URL of a service of this process (on loopback) as network-booted nodes reach it: the same port at the provisioning host. */
export async function urlForNodes(ctx: Ctx, loopbackUrl: string): Promise<string> {
  const { urls } = await provisioning(ctx, theEnv());
  const u = new URL(loopbackUrl);
  u.hostname = new URL(urls.api).hostname;
  return u.toString().replace(/\/$/, '');
}

async function bootMacs(e: PxeEnv, node: Node): Promise<string[]> {
  const macs = (await e.ports.list({ node_uuid: node.uuid }))
    .filter((p) => p.pxe_enabled)
    .map((p) => p.address);
  if (macs.length === 0) throw new Error(`node ${node.uuid} has no PXE-enabled port to boot from`);
  return macs;
}

function networkBoot(kind: 'ipxe' | 'pxe'): BootInterface {
  return {
    name: kind,
    supported: true,
    properties: {
      deploy_kernel:
        'The deploy ramdisk kernel: an image service image ID or an absolute path on the conductor. Required.',
      deploy_ramdisk:
        'The deploy ramdisk initramfs: an image service image ID or an absolute path on the conductor. Required.',
      kernel_append_params: 'Extra kernel parameters for the deploy ramdisk. Optional.',
    },
    validate: (node) => validateBootInfo(node.driver_info),

    async prepareRamdisk(ctx, node) {
      const e = theEnv();
      const problem = validateBootInfo(node.driver_info);
      if (problem) throw new Error(problem);
      const { network, urls } = await provisioning(ctx, e);
      await e.files.stage(ctx, node, e.images);
      for (const mac of await bootMacs(e, node)) {
        await e.files.writeScript(mac, ramdiskScript(urls, node.uuid, node.driver_info));
        await bindBootPort(ctx, e.network(), network, node, mac, bootDhcpOpts(kind, urls, mac));
      }
      // The next boot only: the conductor sets the disk again for the instance.
      const mgmt = implementation('management', node.interfaces.management) as ManagementInterface;
      await mgmt.setBootDevice(ctx, node, 'pxe', false);
    },

    async prepareInstance(ctx, node) {
      const e = theEnv();
      const { network } = await provisioning(ctx, e);
      for (const mac of await bootMacs(e, node)) {
        await e.files.writeScript(mac, diskScript(node.uuid));
        await unbindBootPort(ctx, e.network(), network.id, mac);
      }
    },

    async cleanUp(ctx, node) {
      const e = theEnv();
      const { network } = await provisioning(ctx, e);
      for (const p of await e.ports.list({ node_uuid: node.uuid })) {
        await e.files.removeScript(p.address);
        await unbindBootPort(ctx, e.network(), network.id, p.address);
      }
      await e.files.removeNode(node.uuid);
    },
  };
}

export const ipxeBoot = networkBoot('ipxe');
export const pxeBoot = networkBoot('pxe');
