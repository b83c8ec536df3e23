// Hardware types × interfaces as data (Ironic's driver composition): for each hardware type, the allowed
// implementation names per interface, the first being the default. The implementations live in drivers/.
import { IPMI_HARDWARE, REDFISH_HARDWARE } from './bmc-hardware-types.ts';

export const INTERFACES = [
  'bios',
  'boot',
  'console',
  'deploy',
  'firmware',
  'inspect',
  'management',
  'network',
  'power',
  'raid',
  'rescue',
  'storage',
  'vendor',
] as const;
export type InterfaceName = (typeof INTERFACES)[number];

/** The interfaces `GET /v1/nodes/{node}/validate` reports on (Ironic's list, without bios/firmware). */
export const VALIDATED_INTERFACES: readonly InterfaceName[] = [
  'boot',
  'console',
  'deploy',
  'inspect',
  'management',
  'network',
  'power',
  'raid',
  'rescue',
  'storage',
];

export interface HardwareType {
  name: string;
  supported: Readonly<Record<InterfaceName, readonly string[]>>;
}

export const FAKE_HARDWARE: HardwareType = {
  name: 'fake-hardware',
  supported: {
    // As Ironic's FakeHardware: the fake implementation first (the default), the no-op one allowed.
    bios: ['fake', 'no-bios'],
    boot: ['fake'],
    console: ['fake', 'no-console'],
    deploy: ['fake'],
    firmware: ['fake', 'no-firmware'],
    inspect: ['fake', 'no-inspect'],
    management: ['fake'],
    network: ['noop'],
    power: ['fake'],
    raid: ['fake', 'no-raid'],
    rescue: ['fake', 'no-rescue'],
    storage: ['noop'],
    vendor: ['fake', 'no-vendor'],
  },
};

/** Machines without a VM: virtual power, the deploy agent run in-process against a sparse file. */
export const SIM: HardwareType = {
  name: 'sim',
  supported: {
    bios: ['no-bios'],
    boot: ['sim'],
    console: ['no-console'],
    deploy: ['direct'],
    firmware: ['no-firmware'],
    inspect: ['agent', 'no-inspect'],
    management: ['sim'],
    network: ['noop'],
    power: ['sim'],
    raid: ['no-raid'],
    rescue: ['no-rescue'],
    storage: ['noop'],
    vendor: ['no-vendor'],
  },
};

/** Hardware types this build serves. */
export const HARDWARE_TYPES: ReadonlyMap<string, HardwareType> = new Map(
  [FAKE_HARDWARE, IPMI_HARDWARE, REDFISH_HARDWARE, SIM].map((h) => [h.name, h]),
);

export function defaultInterfaces(hw: HardwareType): Record<InterfaceName, string> {
  return Object.fromEntries(INTERFACES.map((i) => [i, hw.supported[i][0]])) as Record<InterfaceName, string>;
}

/** The `<iface>_interface` field names of a node, with the microversion that added each. */
export const INTERFACE_FIELD_VERSION: Readonly<Record<InterfaceName, number>> = {
  boot: 31,
  console: 31,
  deploy: 31,
  inspect: 31,
  management: 31,
  power: 31,
  raid: 31,
  vendor: 31,
  network: 20,
  storage: 33,
  rescue: 38,
  bios: 40,
  firmware: 86,
};
