// One small interface per capability (Ironic's drivers/base.py): a hardware type composes one implementation
// of each for a node. Every method takes a Ctx and the node as the conductor holds it (secrets included);
// what a call learns about the node comes back as a result, and the conductor writes it under its lease.
import type { Ctx } from '../../platform/context.ts';
import type { Dict, Node, PowerState } from '../model/node.ts';

/** A problem that makes an interface unusable for a node, or undefined when it validates. */
export type ValidationProblem = string | undefined;

export interface DriverInterface {
  /** The implementation name, as in `<iface>_interface` (fake, noop, no-raid, ...). */
  readonly name: string;
  /** Unsupported interfaces (the no-* ones) answer validate with result null ("not supported"). */
  readonly supported: boolean;
  validate(node: Node): ValidationProblem;
  /** The driver_info keys it reads: what `GET /v1/drivers/{name}/properties` describes. */
  readonly properties: Readonly<Record<string, string>>;
}

/** Whatever an operation changed on the node's private record (driver_internal_info keys to merge). */
export interface InternalUpdate {
  driverInternalInfo?: Dict;
}

export type PowerTarget = 'power on' | 'power off' | 'rebooting' | 'soft power off' | 'soft rebooting';

export interface PowerInterface extends DriverInterface {
  getPowerState(ctx: Ctx, node: Node): Promise<PowerState>;
  setPowerState(
    ctx: Ctx,
    node: Node,
    target: PowerTarget,
    timeoutS?: number,
  ): Promise<InternalUpdate | undefined>;
}

export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'safe' | 'wanboot';

export interface ManagementInterface extends DriverInterface {
  supportedBootDevices(node: Node): BootDevice[];
  getBootDevice(
    ctx: Ctx,
    node: Node,
  ): Promise<{ boot_device: BootDevice | null; persistent: boolean | null }>;
  setBootDevice(
    ctx: Ctx,
    node: Node,
    device: BootDevice,
    persistent: boolean,
  ): Promise<InternalUpdate | undefined>;
}

export interface BootInterface extends DriverInterface {
  prepareRamdisk(ctx: Ctx, node: Node): Promise<void>;
  prepareInstance(ctx: Ctx, node: Node): Promise<void>;
  cleanUp(ctx: Ctx, node: Node): Promise<void>;
}

/** How a step ended: finished now, or waiting for an outside call-back (the ramdisk agent, an operator). */
export type StepOutcome =
  | { kind: 'done'; update?: InternalUpdate }
  /** bootRamdisk: the conductor power-cycles the node into the deploy ramdisk, whose agent calls back. */
  | { kind: 'wait'; bootRamdisk?: boolean };

export interface DeployInterface extends DriverInterface {
  deploy(ctx: Ctx, node: Node): Promise<StepOutcome>;
  tearDown(ctx: Ctx, node: Node): Promise<void>;
  /** Runs clean steps (automated when steps is undefined). */
  clean(ctx: Ctx, node: Node, steps: Dict[] | undefined): Promise<StepOutcome>;
  /** Adoption: accept a node already running its workload without touching it. */
  takeOver(ctx: Ctx, node: Node): Promise<void>;
}

export interface InspectInterface extends DriverInterface {
  inspect(
    ctx: Ctx,
    node: Node,
  ): Promise<{ kind: 'done'; properties: Dict } | { kind: 'wait'; bootRamdisk?: boolean }>;
}

export interface RescueInterface extends DriverInterface {
  rescue(ctx: Ctx, node: Node): Promise<StepOutcome>;
  unrescue(ctx: Ctx, node: Node): Promise<void>;
}

/** A node's driver: one implementation per interface, never undefined. */
export interface ComposedDriver {
  hardwareType: string;
  power: PowerInterface;
  management: ManagementInterface;
  boot: BootInterface;
  deploy: DeployInterface;
  inspect: InspectInterface;
  rescue: RescueInterface;
  console: DriverInterface;
  network: DriverInterface;
  raid: DriverInterface;
  storage: DriverInterface;
  vendor: DriverInterface;
  bios: DriverInterface;
  firmware: DriverInterface;
}
