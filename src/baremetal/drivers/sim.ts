// The `sim` hardware type: a machine without a VM. Its power is virtual; powering it on while it is set to
// network-boot starts the deploy agent in-process (src/agents/deploy/sim.ts) against a sparse file under the
// state directory, pointed at this service's own URL on loopback, and powering it off stops that agent. The
// agent then speaks the same lookup/heartbeat/command protocol over HTTP as in a real ramdisk.
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningAgent, startSimAgent } from '../../agents/deploy/sim.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Node, PowerState } from '../model/node.ts';
import type { PortStore } from '../store/ports.ts';
import type {
  BootDevice,
  BootInterface,
  DriverInterface,
  ManagementInterface,
  PowerInterface,
  PowerTarget,
} from './interfaces.ts';

export interface SimConfig {
  ctx: Ctx;
  /** This process's conductor: recorded on the node as the host of its machine (sim_host). */
  host: string;
  stateDir: string;
  /** This service's own URL (loopback), known once it listens. */
  apiUrl: () => string;
  ports: PortStore;
  defaultDiskGb: number;
}

const GIB = 1024 ** 3;

/** The machines of one bare metal service: their power, their one-time boot device, their agents. */
export class SimFleet {
  readonly #c: SimConfig;

  get host(): string {
    return this.#c.host;
  }
  readonly #power = new Map<string, PowerState>();
  readonly #oneTimeBoot = new Map<string, BootDevice>();
  readonly #agents = new Map<string, RunningAgent>();

  constructor(c: SimConfig) {
    this.#c = c;
  }

  diskPath(uuid: string): string {
    return join(this.#c.stateDir, 'baremetal', 'sim', `${uuid}.img`);
  }

  diskBytes(node: Node): number {
    const gb = Number(node.properties.local_gb);
    return Math.round((gb > 0 ? gb : this.#c.defaultDiskGb) * GIB);
  }

  powerOf(node: Node): PowerState {
    return (
      this.#power.get(node.uuid) ?? (node.driver_internal_info.sim_power_state as PowerState) ?? 'power off'
    );
  }

  bootNextFrom(uuid: string, device: BootDevice): void {
    this.#oneTimeBoot.set(uuid, device);
  }

  agentOf(uuid: string): RunningAgent | undefined {
    return this.#agents.get(uuid);
  }

  async powerOff(uuid: string): Promise<void> {
    this.#power.set(uuid, 'power off');
    const agent = this.#agents.get(uuid);
    this.#agents.delete(uuid);
    await agent?.stop();
  }

  /** Power on: the one-time device if set, else the persistent one; `pxe` boots the agent. */
  async powerOn(node: Node): Promise<void> {
    const persistent = (node.driver_internal_info.sim_boot_device as { boot_device?: BootDevice } | undefined)
      ?.boot_device;
    const device = this.#oneTimeBoot.get(node.uuid) ?? persistent ?? 'disk';
    this.#oneTimeBoot.delete(node.uuid);
    this.#power.set(node.uuid, 'power on');
    if (device === 'pxe') await this.#boot(node);
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#agents.keys()].map((u) => this.powerOff(u)));
  }

  async #boot(node: Node): Promise<void> {
    const path = this.diskPath(node.uuid);
    const bytes = this.diskBytes(node);
    await mkdir(join(this.#c.stateDir, 'baremetal', 'sim'), { recursive: true });
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== bytes) {
      // A sparse file: its blocks exist only where something was written.
      const f = await open(path, size < 0 ? 'w' : 'r+');
      await f.truncate(bytes);
      await f.close();
    }
    const listed = typeof node.driver_info.sim_macs === 'string' ? node.driver_info.sim_macs : '';
    const macs = listed
      ? listed.split(',').map((m) => m.trim().toLowerCase())
      : (await this.#c.ports.list({ node_uuid: node.uuid })).map((p) => p.address);
    if (macs.length === 0)
      throw new Error(`sim node ${node.uuid} has no NIC: add a port or driver_info.sim_macs`);
    const uuid = node.uuid;
    const agent = await startSimAgent(this.#c.ctx, {
      apiUrl: this.#c.apiUrl(),
      diskPath: path,
      diskBytes: bytes,
      macs,
      cpus: Number(node.properties.cpus) > 0 ? Number(node.properties.cpus) : 1,
      memoryMb: Number(node.properties.memory_mb) > 0 ? Number(node.properties.memory_mb) : 1024,
      arch: typeof node.properties.cpu_arch === 'string' ? node.properties.cpu_arch : 'x86_64',
      // standby.power_off from the conductor lands here: the machine goes dark.
      onPowerOff: () => void this.powerOff(uuid),
    });
    this.#agents.set(uuid, agent);
  }
}

// One fleet per process: the bare metal service sets it when it starts (drivers are looked up by name).
let fleet: SimFleet | undefined;

export function setSimFleet(f: SimFleet | undefined): void {
  fleet = f;
}

function theFleet(): SimFleet {
  if (!fleet) throw new Error('sim nodes need the bare metal service of this process running');
  return fleet;
}

const base = (name: string): Pick<DriverInterface, 'name' | 'supported' | 'properties' | 'validate'> => ({
  name,
  supported: true,
  properties: {},
  validate: () => undefined,
});

export const simPower: PowerInterface = {
  ...base('sim'),
  properties: {
    sim_macs: "Comma-separated MACs of the simulated machine's NICs; default the node's ports. Optional.",
  },
  async getPowerState(_ctx, node) {
    return theFleet().powerOf(node);
  },
  async setPowerState(_ctx, node, target: PowerTarget) {
    const f = theFleet();
    const on = target === 'power on' || target === 'rebooting' || target === 'soft rebooting';
    await f.powerOff(node.uuid);
    if (on) await f.powerOn(node);
    // sim_host: the conductor whose process holds the machine now; the ring leaves the node to it while it
    // lives (worker/conductor.ts owns()).
    return { driverInternalInfo: { sim_power_state: on ? 'power on' : 'power off', sim_host: f.host } };
  },
};

export const simManagement: ManagementInterface = {
  ...base('sim'),
  supportedBootDevices: () => ['pxe', 'disk'],
  async getBootDevice(_ctx, node) {
    const d = node.driver_internal_info.sim_boot_device as
      | { boot_device: BootDevice; persistent: boolean }
      | undefined;
    return d ?? { boot_device: 'disk', persistent: true };
  },
  async setBootDevice(_ctx, node, device, persistent) {
    if (!persistent) {
      theFleet().bootNextFrom(node.uuid, device);
      return undefined;
    }
    return { driverInternalInfo: { sim_boot_device: { boot_device: device, persistent } } };
  },
};

/** Boot for sim nodes: no PXE; the next power-on boots the in-process agent. */
export const simBoot: BootInterface = {
  ...base('sim'),
  async prepareRamdisk(_ctx, node) {
    theFleet().bootNextFrom(node.uuid, 'pxe');
  },
  prepareInstance: async () => undefined,
  cleanUp: async () => undefined,
};
