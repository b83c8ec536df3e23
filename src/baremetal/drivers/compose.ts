// Composes a node's driver from its hardware type and `<iface>_interface` names. Every interface a hardware
// type allows has an implementation here; anything else is refused when the node is created or patched.
import type { InterfaceName } from '../model/hardware-types.ts';
import type { Node } from '../model/node.ts';
import { agentInspect, directDeploy } from './direct.ts';
import {
  fakeBoot,
  fakeDeploy,
  fakeInspect,
  fakeManagement,
  fakeOther,
  fakePower,
  fakeRescue,
} from './fake.ts';
import type { ComposedDriver, DriverInterface } from './interfaces.ts';
import { ipmiManagement, ipmiPower } from './ipmi.ts';
import { noInspect, noInterface, noopInterface, noRescue } from './noop.ts';
import { ipxeBoot, pxeBoot } from './pxe-boot.ts';
import { redfishManagement, redfishPower } from './redfish.ts';
import { simBoot, simManagement, simPower } from './sim.ts';

type Impl = Record<string, DriverInterface>;

const IMPLEMENTATIONS: Record<InterfaceName, Impl> = {
  power: { fake: fakePower, ipmitool: ipmiPower, redfish: redfishPower, sim: simPower },
  management: {
    fake: fakeManagement,
    ipmitool: ipmiManagement,
    redfish: redfishManagement,
    sim: simManagement,
  },
  boot: { fake: fakeBoot, sim: simBoot, ipxe: ipxeBoot, pxe: pxeBoot },
  deploy: { fake: fakeDeploy, direct: directDeploy },
  inspect: { fake: fakeInspect, 'no-inspect': noInspect, agent: agentInspect },
  rescue: { fake: fakeRescue, 'no-rescue': noRescue },
  console: { fake: fakeOther(), 'no-console': noInterface('console') },
  network: { noop: noopInterface() },
  raid: { fake: fakeOther(), 'no-raid': noInterface('raid') },
  storage: { noop: noopInterface() },
  vendor: { fake: fakeOther(), 'no-vendor': noInterface('vendor') },
  bios: { fake: fakeOther(), 'no-bios': noInterface('bios') },
  firmware: { fake: fakeOther(), 'no-firmware': noInterface('firmware') },
};

export function implementation(iface: InterfaceName, name: string): DriverInterface {
  const impl = IMPLEMENTATIONS[iface][name];
  if (!impl) throw new Error(`no ${iface} interface named ${name} in this build`);
  return impl;
}

export function composeDriver(node: Node): ComposedDriver {
  const get = <T extends DriverInterface>(i: InterfaceName) => implementation(i, node.interfaces[i]) as T;
  return {
    hardwareType: node.driver,
    power: get('power'),
    management: get('management'),
    boot: get('boot'),
    deploy: get('deploy'),
    inspect: get('inspect'),
    rescue: get('rescue'),
    console: get('console'),
    network: get('network'),
    raid: get('raid'),
    storage: get('storage'),
    vendor: get('vendor'),
    bios: get('bios'),
    firmware: get('firmware'),
  };
}
