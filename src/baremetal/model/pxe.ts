// Network boot as data (Ironic's pxe_utils and ipxe_config.template, reduced to what our ramdisk needs):
// the per-MAC iPXE scripts, the kernel command line of the deploy ramdisk, and the DHCP options of the
// node's provisioning port. Pure: the boot interface (drivers/pxe-boot.ts) writes and publishes them.
import type { Dict } from './node.ts';

/** Where a node finds this service and its boot files, as seen from the provisioning network. */
export interface BootUrls {
  /** The bare metal API, e.g. http://192.0.2.1:6385 (the agent's ipa-api-url). */
  api: string;
  /** The TFTP server holding undionly.kpxe (plain PXE only), an IPv4 address. */
  tftpServer?: string;
}

/** `aa:bb:cc:dd:ee:ff` → `aa-bb-cc-dd-ee-ff`, iPXE's `${mac:hexhyp}` (no `01-`, unlike pxelinux). */
export function macFileName(mac: string): string {
  return mac.toLowerCase().replaceAll(':', '-');
}

/** The URL of a node's per-MAC script: the DHCP bootfile for iPXE clients. */
export function scriptUrl(urls: BootUrls, mac: string): string {
  return `${urls.api}/boot/${macFileName(mac)}.ipxe`;
}

export const deployKernelUrl = (urls: BootUrls, node: string) => `${urls.api}/boot/${node}/deploy_kernel`;
export const deployRamdiskUrl = (urls: BootUrls, node: string) => `${urls.api}/boot/${node}/deploy_ramdisk`;

/**
 * The deploy ramdisk's kernel command line: the serial console, the API the agent calls back, BOOTIF from
 * iPXE's `${mac}` so the ramdisk brings up the NIC it booted from, and the node's kernel_append_params.
 */
export function ramdiskKernelArgs(urls: BootUrls, driverInfo: Dict): string {
  const extra = typeof driverInfo.kernel_append_params === 'string' ? driverInfo.kernel_append_params : '';
  return [
    'console=ttyS0,115200',
    'panic=30',
    `ipa-api-url=${urls.api}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an iPXE variable, expanded by iPXE
    'BOOTIF=${mac}',
    'initrd=deploy_ramdisk',
    ...(extra ? [extra] : []),
  ].join(' ');
}

/** Boots the deploy ramdisk; a failed download leaves iPXE with an error (the firmware's next device). */
export function ramdiskScript(urls: BootUrls, node: string, driverInfo: Dict): string {
  return [
    '#!ipxe',
    `echo tripleo-ts: deploy ramdisk for node ${node}`,
    `kernel ${deployKernelUrl(urls, node)} ${ramdiskKernelArgs(urls, driverInfo)} || goto failed`,
    `initrd --name deploy_ramdisk ${deployRamdiskUrl(urls, node)} || goto failed`,
    'boot || goto failed',
    ':failed',
    'echo tripleo-ts: could not boot the deploy ramdisk',
    'exit 1',
    '',
  ].join('\n');
}

/** After the deploy: leave iPXE so the firmware boots the next device, the local disk. */
export function diskScript(node: string): string {
  return ['#!ipxe', `echo tripleo-ts: node ${node} boots from its local disk`, 'exit 0', ''].join('\n');
}

export interface DhcpOpt {
  opt_name: string;
  opt_value: string;
  ip_version: 4;
}

/**
 * The provisioning port's DHCP options. iPXE (option 175 / user class iPXE, tagged `ipxe` by the network
 * service's dnsmasq) gets the script URL; with `pxe`, firmware without iPXE first gets iPXE itself by TFTP
 * (undionly.kpxe), which then asks again and gets the script.
 */
export function bootDhcpOpts(kind: 'ipxe' | 'pxe', urls: BootUrls, mac: string): DhcpOpt[] {
  const o = (opt_name: string, opt_value: string): DhcpOpt => ({ opt_name, opt_value, ip_version: 4 });
  const script = o('tag:ipxe,67', scriptUrl(urls, mac));
  if (kind === 'ipxe') return [script];
  const chain = [script, o('tag:!ipxe,67', 'undionly.kpxe')];
  // Without a TFTP server named, dnsmasq (serving TFTP itself) gives its own address as next-server.
  if (!urls.tftpServer) return chain;
  return [...chain, o('66', urls.tftpServer), o('150', urls.tftpServer)];
}

/** A deploy_kernel/deploy_ramdisk value: an absolute local path (or file:// URL), else an image service ID. */
export type BootFileSource = { kind: 'path'; path: string } | { kind: 'image'; id: string };

export function bootFileSource(value: unknown): BootFileSource | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (v.startsWith('file://')) return { kind: 'path', path: decodeURIComponent(v.slice(7)) };
  if (v.startsWith('/')) return { kind: 'path', path: v };
  if (v.includes('://')) return undefined;
  return { kind: 'image', id: v };
}

/** Why a node cannot network-boot the deploy ramdisk, or undefined. */
export function validateBootInfo(driverInfo: Dict): string | undefined {
  const missing = ['deploy_kernel', 'deploy_ramdisk'].filter((k) => {
    const v = driverInfo[k];
    return v === undefined || v === null || v === '';
  });
  if (missing.length > 0)
    return `Some parameters were missing in node's driver_info. Missing are: ${JSON.stringify(missing)}`;
  for (const k of ['deploy_kernel', 'deploy_ramdisk'])
    if (!bootFileSource(driverInfo[k]))
      return `driver_info.${k} ${JSON.stringify(driverInfo[k])}: give an image service image ID or an absolute local path`;
  return undefined;
}
