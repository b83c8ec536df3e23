// The hardware types with a real BMC: `ipmi` (ipmitool) and `redfish`. Their power and management
// interfaces talk to the BMC; by default they network-boot (iPXE) into the deploy ramdisk, deploy with
// `direct` and inspect through the agent, as Ironic's do; the fake boot/deploy/inspect stay selectable.
import type { HardwareType, InterfaceName } from './hardware-types.ts';

const COMMON: Omit<Record<InterfaceName, readonly string[]>, 'power' | 'management'> = {
  bios: ['no-bios'],
  boot: ['ipxe', 'pxe', 'fake'],
  console: ['no-console'],
  deploy: ['direct', 'fake'],
  firmware: ['no-firmware'],
  inspect: ['agent', 'no-inspect', 'fake'],
  network: ['noop'],
  raid: ['no-raid'],
  rescue: ['no-rescue', 'fake'],
  storage: ['noop'],
  vendor: ['no-vendor'],
};

export const IPMI_HARDWARE: HardwareType = {
  name: 'ipmi',
  supported: { ...COMMON, power: ['ipmitool'], management: ['ipmitool'] },
};

export const REDFISH_HARDWARE: HardwareType = {
  name: 'redfish',
  supported: { ...COMMON, power: ['redfish'], management: ['redfish'] },
};
