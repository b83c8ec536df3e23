// The hardware types with a real BMC: `ipmi` (ipmitool) and `redfish`. Their power and management
// interfaces talk to the BMC; boot, deploy, inspect and rescue offer what this build implements (the
// fake ones, as Ironic's generic types also accept) until the ipxe/pxe boot and direct deploy join,
// at which point they go first in these lists and become the defaults.
import type { HardwareType, InterfaceName } from './hardware-types.ts';

const COMMON: Omit<Record<InterfaceName, readonly string[]>, 'power' | 'management'> = {
  bios: ['no-bios'],
  boot: ['fake'],
  console: ['no-console'],
  deploy: ['fake'],
  firmware: ['no-firmware'],
  inspect: ['no-inspect', 'fake'],
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
