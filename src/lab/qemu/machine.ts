// One lab machine as a QEMU process, controlled like a server through its BMC: power on starts QEMU with the
// boot order the BMC's override asks for (a once-override is used up), power off ends it, reset re-reads the
// override as firmware does at POST (a different boot order restarts QEMU), soft off is an ACPI button press.
// All state is in the machine's directory, so any process can act on it; QEMU's own pid-file and disk locks
// keep two power-ons from starting two QEMUs.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import type { LabMachine, MachineBoot, MachinePower } from '../machine.ts';
import { type FirmwareBoot, qemuCommand } from './args.ts';
import { qmpCommand } from './qmp.ts';
import { loadSpec, type MachineSpec, machineFiles } from './spec.ts';

export interface QmpStatus {
  status: string;
  running: boolean;
}

export class QemuMachine implements LabMachine {
  readonly spec: MachineSpec;
  readonly #f: ReturnType<typeof machineFiles>;

  constructor(spec: MachineSpec) {
    this.spec = spec;
    this.#f = machineFiles(spec.dir);
  }

  static load(dir: string): QemuMachine {
    return new QemuMachine(loadSpec(dir));
  }

  get name(): string {
    return this.spec.name;
  }

  get uuid(): string {
    return this.spec.uuid;
  }

  /** The QEMU process's pid, when one of this machine's is alive. */
  pid(): number | undefined {
    if (!existsSync(this.#f.pid)) return undefined;
    const pid = Number.parseInt(readFileSync(this.#f.pid, 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      // A recycled pid is not ours: our QEMU carries the machine's uuid on its command line.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmdline.includes(this.spec.uuid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async powerState(_ctx: Ctx): Promise<MachinePower> {
    return this.pid() === undefined ? 'off' : 'on';
  }

  async powerOn(ctx: Ctx): Promise<void> {
    if (this.pid() !== undefined) return;
    const boot = this.#takeBoot();
    writeFileSync(this.#f.sercon, Buffer.from([0xf8, 0x03])); // COM1, 0x3f8
    rmSync(this.#f.qmp, { force: true });
    const [bin, ...args] = qemuCommand(this.spec, boot);
    ctx.log.info({ machine: this.name, boot, accel: this.spec.accel }, 'lab machine: power on');
    // -daemonize: the command returns once QEMU is up (or failed), leaving QEMU running on its own.
    await new Promise<void>((resolve, reject) => {
      execFile(bin!, args, { timeout: 60_000, signal: ctx.signal }, (err, _out, stderr) => {
        if (err) reject(new Error(`QEMU for ${this.name} did not start: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
    writeFileSync(this.#f.running, boot);
  }

  async powerOff(ctx: Ctx): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    ctx.log.info({ machine: this.name }, 'lab machine: power off');
    try {
      await qmpCommand(ctx, this.#f.qmp, 'quit');
    } catch {
      // QMP gone or stuck: the process is ended below.
    }
    if (!(await this.#waitGone(pid, 5000))) {
      process.kill(pid, 'SIGKILL');
      await this.#waitGone(pid, 5000);
    }
  }

  async reset(ctx: Ctx): Promise<void> {
    if (this.pid() === undefined) return;
    const running = existsSync(this.#f.running) ? readFileSync(this.#f.running, 'utf8').trim() : 'default';
    if (this.#wantedBoot() !== running) {
      // Firmware would read the new boot flags at POST; with QEMU that means a new command line.
      ctx.log.info({ machine: this.name }, 'lab machine: reset with a new boot order');
      await this.powerOff(ctx);
      await this.powerOn(ctx);
      return;
    }
    this.#takeBoot();
    ctx.log.info({ machine: this.name }, 'lab machine: reset');
    await qmpCommand(ctx, this.#f.qmp, 'system_reset');
  }

  async shutdown(ctx: Ctx): Promise<void> {
    if (this.pid() === undefined) return;
    ctx.log.info({ machine: this.name }, 'lab machine: ACPI power button');
    await qmpCommand(ctx, this.#f.qmp, 'system_powerdown');
  }

  async getBoot(_ctx: Ctx): Promise<MachineBoot> {
    return this.#readBoot();
  }

  async setBoot(ctx: Ctx, boot: MachineBoot): Promise<void> {
    if (boot.device !== undefined && boot.device !== 'pxe' && boot.device !== 'disk')
      throw new Error(`lab machine: unknown boot device ${String(boot.device)}`);
    ctx.log.info({ machine: this.name, ...boot }, 'lab machine: boot device');
    const value = boot.device ? { device: boot.device, persistent: boot.persistent } : { persistent: false };
    writeFileSync(this.#f.boot, `${JSON.stringify(value)}\n`);
  }

  /** QEMU's own view (query-status): "running", "paused", "shutdown", ... */
  async qmpStatus(ctx: Ctx): Promise<QmpStatus> {
    return qmpCommand<QmpStatus>(ctx, this.#f.qmp, 'query-status');
  }

  /** The serial console log (firmware, iPXE, the booted OS). */
  consolePath(): string {
    return this.#f.console;
  }

  #readBoot(): MachineBoot {
    if (!existsSync(this.#f.boot)) return { device: undefined, persistent: false };
    const b = JSON.parse(readFileSync(this.#f.boot, 'utf8')) as Partial<MachineBoot>;
    return { device: b.device, persistent: b.persistent === true };
  }

  #wantedBoot(): FirmwareBoot {
    return this.#readBoot().device ?? 'default';
  }

  /** The boot order for this POST; a once-override is consumed. */
  #takeBoot(): FirmwareBoot {
    const b = this.#readBoot();
    if (b.device && !b.persistent) writeFileSync(this.#f.boot, '{"persistent":false}\n');
    return b.device ?? 'default';
  }

  async #waitGone(pid: number, ms: number): Promise<boolean> {
    for (let waited = 0; waited < ms; waited += 50) {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
      await sleep(50);
    }
    return false;
  }
}
