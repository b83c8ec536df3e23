// What a BMC acts on: a machine's power and its next boot device. The QEMU machine implements it; tests fake it.
import type { Ctx } from '../platform/context.ts';

export type MachinePower = 'on' | 'off';
export type MachineBootDevice = 'pxe' | 'disk';

/** The boot override the firmware honours at the next power-on: once (then cleared) or every boot. */
export interface MachineBoot {
  device: MachineBootDevice | undefined;
  persistent: boolean;
}

export interface LabMachine {
  readonly name: string;
  readonly uuid: string;
  powerState(ctx: Ctx): Promise<MachinePower>;
  /** Starts the machine (no-op when on); the firmware boots the override device, else disk then network. */
  powerOn(ctx: Ctx): Promise<void>;
  /** Hard power off (no-op when off). */
  powerOff(ctx: Ctx): Promise<void>;
  /** Hard reset of a running machine; the firmware reads the boot override again. No-op when off. */
  reset(ctx: Ctx): Promise<void>;
  /** ACPI power-button press: the guest OS decides; the machine stays on until it halts. */
  shutdown(ctx: Ctx): Promise<void>;
  getBoot(ctx: Ctx): Promise<MachineBoot>;
  setBoot(ctx: Ctx, boot: MachineBoot): Promise<void>;
}
