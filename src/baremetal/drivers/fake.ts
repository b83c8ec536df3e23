// The fake-hardware implementations (Ironic's fake-hardware): no BMC, no ramdisk. Power and boot device
// are remembered in driver_internal_info as if a BMC kept them. Two driver_info options let tests and dry
// runs exercise the other paths: `fake_wait` (comma list of deploy, clean, inspect, rescue, service: those
// steps wait for a call-back that never comes, so abort and wait timeouts can be seen) and `fake_fail`
// (comma list of verify, power, deploy, clean, inspect, adopt, rescue, unrescue, teardown: those fail).
// The process-wide settings.baremetal.fakeDelays (Ironic's [fake] *_delay) make operations take time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import { type FakeDelayInterface, type FakeDelays, fakeDelayMs } from '../model/fake-delays.ts';
import type { Dict, Node, PowerState } from '../model/node.ts';
import type {
  BootDevice,
  BootInterface,
  DeployInterface,
  DriverInterface,
  InspectInterface,
  ManagementInterface,
  PowerInterface,
  PowerTarget,
  RescueInterface,
  StepOutcome,
} from './interfaces.ts';

export class FakeHardwareError extends Error {}

let delays: FakeDelays = {};

/** Sets the delays for the whole process (the seed, from settings.baremetal.fakeDelays). */
export function configureFakeDelays(d: FakeDelays): void {
  delays = d;
}

/** Takes the configured time of one operation; a cancelled task stops waiting. */
async function pause(ctx: Ctx, iface: FakeDelayInterface): Promise<void> {
  const ms = fakeDelayMs(delays, iface, Math.random());
  if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
}

const OPTIONS = {
  fake_wait: 'Comma-separated steps that wait for a call-back: deploy, clean, inspect, rescue. Optional.',
  fake_fail:
    'Comma-separated operations that fail: verify, power, deploy, clean, inspect, adopt, rescue, unrescue, teardown. Optional.',
};

function listed(node: Node, key: 'fake_wait' | 'fake_fail', what: string): boolean {
  const v = node.driver_info[key];
  return (
    typeof v === 'string' &&
    v
      .split(',')
      .map((s) => s.trim())
      .includes(what)
  );
}

export function failIfAsked(node: Node, what: string): void {
  if (listed(node, 'fake_fail', what))
    throw new FakeHardwareError(`fake-hardware: ${what} failed as driver_info.fake_fail asks`);
}

const base = (name: string): Pick<DriverInterface, 'name' | 'supported' | 'properties' | 'validate'> => ({
  name,
  supported: true,
  properties: {},
  validate: () => undefined,
});

export const fakePower: PowerInterface = {
  ...base('fake'),
  properties: OPTIONS,
  async getPowerState(_ctx: Ctx, node: Node): Promise<PowerState> {
    failIfAsked(node, 'power');
    const s = node.driver_internal_info.fake_power_state;
    return s === 'power on' ? 'power on' : 'power off';
  },
  async setPowerState(ctx: Ctx, node: Node, target: PowerTarget) {
    await pause(ctx, 'power');
    failIfAsked(node, 'power');
    const on = target === 'power on' || target === 'rebooting' || target === 'soft rebooting';
    return { driverInternalInfo: { fake_power_state: on ? 'power on' : 'power off' } };
  },
};

const BOOT_DEVICES: BootDevice[] = ['pxe', 'disk', 'cdrom', 'bios', 'safe'];

export const fakeManagement: ManagementInterface = {
  ...base('fake'),
  supportedBootDevices: () => [...BOOT_DEVICES],
  async getBootDevice(_ctx, node) {
    const d = node.driver_internal_info.fake_boot_device as Dict | undefined;
    if (!d) return { boot_device: 'pxe', persistent: false };
    return { boot_device: d.boot_device as BootDevice, persistent: d.persistent === true };
  },
  async setBootDevice(ctx, _node, device, persistent) {
    await pause(ctx, 'management');
    return { driverInternalInfo: { fake_boot_device: { boot_device: device, persistent } } };
  },
};

export const fakeBoot: BootInterface = {
  ...base('fake'),
  prepareRamdisk: (ctx) => pause(ctx, 'boot'),
  prepareInstance: (ctx) => pause(ctx, 'boot'),
  cleanUp: (ctx) => pause(ctx, 'boot'),
};

const step = (node: Node, what: string): StepOutcome => {
  failIfAsked(node, what);
  return listed(node, 'fake_wait', what) ? { kind: 'wait' } : { kind: 'done' };
};

export const fakeDeploy: DeployInterface = {
  ...base('fake'),
  deploy: async (ctx, node) => {
    await pause(ctx, 'deploy');
    return step(node, 'deploy');
  },
  clean: async (ctx, node) => {
    await pause(ctx, 'deploy');
    return step(node, 'clean');
  },
  tearDown: async (ctx, node) => {
    await pause(ctx, 'deploy');
    failIfAsked(node, 'teardown');
  },
  takeOver: async (_ctx, node) => failIfAsked(node, 'adopt'),
};

export const fakeInspect: InspectInterface = {
  ...base('fake'),
  async inspect(ctx, node) {
    await pause(ctx, 'inspect');
    const s = step(node, 'inspect');
    // The fake hardware discovers nothing: the node keeps the properties it was enrolled with.
    return s.kind === 'wait' ? s : { kind: 'done', properties: {} };
  },
};

export const fakeRescue: RescueInterface = {
  ...base('fake'),
  rescue: async (ctx, node) => {
    await pause(ctx, 'rescue');
    return step(node, 'rescue');
  },
  unrescue: async (ctx, node) => {
    await pause(ctx, 'rescue');
    failIfAsked(node, 'unrescue');
  },
};

/** The interfaces with nothing to do but validate (console, raid, vendor, bios, firmware as fake). */
export const fakeOther = (): DriverInterface => base('fake');
