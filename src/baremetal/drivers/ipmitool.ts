// Power and boot device through the real `ipmitool -I lanplus`, the way Ironic's ipmitool driver runs it:
// one process per command, retried while the BMC answers "busy"-like errors for up to a retry timeout, at
// least a minimum interval apart per BMC. The password reaches ipmitool through IPMI_PASSWORD (`-E`), never
// through argv, and is never logged.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/catalogue.ts';
import { ProcError, run } from '../../platform/proc/run.ts';

export type IpmiPowerState = 'on' | 'off';
export type IpmiBootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'safe';

export interface IpmiBootSetting {
  /** The device the BMC will boot next; undefined when no override is set. */
  device: IpmiBootDevice | undefined;
  /** "Options apply to all future boots" rather than the next one only. */
  persistent: boolean;
}

export interface IpmiToolOptions {
  address: string;
  /** UDP port of the BMC's RMCP+ service (623 on real hardware). */
  port?: number;
  username?: string;
  password?: string;
  /** `-C`: 3 (SHA1/AES) is what ipmi_sim and most BMCs accept without the 10 s cipher probe. */
  cipherSuite?: number;
  /** `-L`: ADMINISTRATOR by default, as Ironic. */
  privilegeLevel?: 'ADMINISTRATOR' | 'OPERATOR' | 'USER' | 'CALLBACK';
  /** Ironic's [ipmi]command_retry_timeout: how long retryable failures are retried (60 s). */
  retryTimeoutMs?: number;
  /** Ironic's [ipmi]min_command_interval: the least time between two commands to one BMC (5 s). */
  minCommandIntervalMs?: number;
  /**
   * ipmitool's own retransmission interval (`-N`, seconds) and retries (`-R`) inside one process. Unset by
   * default, as Ironic does (ipmitool then retransmits 4 times, 1 s apart for lanplus).
   */
  sessionTimeoutSec?: number;
  sessionRetries?: number;
  /** The ipmitool binary (a path or a name on PATH). */
  binary?: string;
}

/** What one ipmitool run printed. */
export interface IpmiResult {
  stdout: string;
  stderr: string;
}

// ipmitool messages that mean "try again later" rather than "this will never work" (Ironic's list, plus the
// session failure a BMC that is restarting or briefly unreachable gives).
const RETRYABLE = [
  'insufficient resources for session',
  'Node busy',
  'Timeout',
  'Out of space',
  'BMC initialization in progress',
  'Unable to establish IPMI v2 / RMCP+ session',
];

// The time of the last command sent to each BMC, shared by every client in the process.
const lastCommandAt = new Map<string, number>();

const BOOT_SELECTORS: [RegExp, IpmiBootDevice | undefined][] = [
  [/Force PXE/, 'pxe'],
  [/Force Boot from default Hard-Drive, request Safe-Mode/, 'safe'],
  [/Force Boot from default Hard-Drive/, 'disk'],
  [/Force Boot from CD\/DVD/, 'cdrom'],
  [/Force Boot into BIOS Setup/, 'bios'],
  [/No override/, undefined],
];

export function ipmiFailure(message: string, details: Record<string, string | number | boolean> = {}) {
  return new AppError('INTERNAL', message, { type: 'IPMIFailure', details });
}

export class IpmiTool {
  readonly #o: Required<
    Omit<IpmiToolOptions, 'username' | 'password' | 'sessionTimeoutSec' | 'sessionRetries'>
  > &
    Pick<IpmiToolOptions, 'username' | 'password' | 'sessionTimeoutSec' | 'sessionRetries'>;

  constructor(opts: IpmiToolOptions) {
    if (!opts.address) throw new AppError('BAD_REQUEST', 'ipmi: an address is required');
    const port = opts.port ?? 623;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new AppError('BAD_REQUEST', `ipmi: invalid port ${opts.port}`);
    const cipher = opts.cipherSuite ?? 3;
    if (!Number.isInteger(cipher) || cipher < 0 || cipher > 17)
      throw new AppError('BAD_REQUEST', `ipmi: invalid cipher suite ${opts.cipherSuite}`);
    this.#o = {
      address: opts.address,
      port,
      username: opts.username,
      password: opts.password,
      cipherSuite: cipher,
      privilegeLevel: opts.privilegeLevel ?? 'ADMINISTRATOR',
      retryTimeoutMs: opts.retryTimeoutMs ?? 60_000,
      minCommandIntervalMs: opts.minCommandIntervalMs ?? 5_000,
      sessionTimeoutSec: opts.sessionTimeoutSec,
      sessionRetries: opts.sessionRetries,
      binary: opts.binary ?? 'ipmitool',
    };
  }

  /** The argv of a command, without the password (which travels in the environment). */
  argv(command: string[]): string[] {
    const o = this.#o;
    const args = ['-I', 'lanplus', '-H', o.address, '-p', String(o.port), '-L', o.privilegeLevel];
    args.push('-C', String(o.cipherSuite));
    if (o.sessionRetries !== undefined) args.push('-R', String(o.sessionRetries));
    if (o.sessionTimeoutSec !== undefined) args.push('-N', String(o.sessionTimeoutSec));
    if (o.username !== undefined && o.username !== '') args.push('-U', o.username);
    args.push('-E', ...command);
    return args;
  }

  async powerStatus(ctx: Ctx): Promise<IpmiPowerState> {
    const { stdout } = await this.run(ctx, ['power', 'status']);
    const m = /Chassis Power is (on|off)/i.exec(stdout);
    if (!m) throw ipmiFailure(`ipmi: unexpected power status output: ${stdout.trim()}`);
    return m[1]!.toLowerCase() as IpmiPowerState;
  }

  async powerOn(ctx: Ctx): Promise<void> {
    await this.run(ctx, ['power', 'on']);
  }

  async powerOff(ctx: Ctx): Promise<void> {
    await this.run(ctx, ['power', 'off']);
  }

  /** A hard reset of a running machine (the BMC does nothing when it is off). */
  async powerReset(ctx: Ctx): Promise<void> {
    await this.run(ctx, ['power', 'reset']);
  }

  async powerCycle(ctx: Ctx): Promise<void> {
    await this.run(ctx, ['power', 'cycle']);
  }

  /** An ACPI soft shutdown request: the machine stays on until its OS halts. */
  async powerSoft(ctx: Ctx): Promise<void> {
    await this.run(ctx, ['power', 'soft']);
  }

  /** `chassis bootdev`; persistent = all future boots, else the next boot only. */
  async setBootDevice(ctx: Ctx, device: 'pxe' | 'disk', opts: { persistent?: boolean } = {}): Promise<void> {
    if (device !== 'pxe' && device !== 'disk') throw new AppError('BAD_REQUEST', `ipmi: bad boot device`);
    const cmd = ['chassis', 'bootdev', device];
    if (opts.persistent) cmd.push('options=persistent');
    const { stdout, stderr } = await this.run(ctx, cmd);
    // ipmitool exits 0 even when the BMC refuses the parameter; only the text tells.
    if (/failed/i.test(stdout + stderr))
      throw ipmiFailure(`ipmi: setting boot device ${device} failed: ${(stdout + stderr).trim()}`);
  }

  /** Reads boot flags (parameter 5) back. ipmi_sim never sets the "valid" bit, so only the selector counts. */
  async getBootDevice(ctx: Ctx): Promise<IpmiBootSetting> {
    const { stdout } = await this.run(ctx, ['chassis', 'bootparam', 'get', '5']);
    return parseBootFlags(stdout);
  }

  /** Runs one ipmitool command under Ironic's retry rules. */
  async run(ctx: Ctx, command: string[]): Promise<IpmiResult> {
    const o = this.#o;
    const key = `${o.address}:${o.port}`;
    const deadline = Date.now() + o.retryTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const wait = (lastCommandAt.get(key) ?? 0) + o.minCommandIntervalMs - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
      lastCommandAt.set(key, Date.now());
      const started = Date.now();
      const r = await this.#spawn(ctx, command, Math.max(1000, deadline - Date.now()));
      ctx.log.debug(
        { bmc: key, command: command.join(' '), code: r.code, attempt, ms: Date.now() - started },
        'ipmitool',
      );
      if (r.code === 0) return { stdout: r.stdout, stderr: r.stderr };
      const text = `${r.stderr}\n${r.stdout}`.trim();
      const retryable = r.code !== null && RETRYABLE.some((s) => text.includes(s));
      if (!retryable || Date.now() + o.minCommandIntervalMs >= deadline) {
        throw ipmiFailure(
          `ipmitool ${command.join(' ')} on ${key} failed (${r.code === null ? 'timed out' : `exit ${r.code}`}, ` +
            `${attempt} attempt${attempt > 1 ? 's' : ''}): ${lastLines(text)}`,
          { bmc: key, command: command.join(' '), attempts: attempt, retryable },
        );
      }
    }
  }

  /** One run of ipmitool, killed at the end of the retry window (code null) or when ctx is aborted. */
  async #spawn(
    ctx: Ctx,
    command: string[],
    timeoutMs: number,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    // An empty IPMI_PASSWORD makes ipmitool use an empty password instead of prompting.
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C',
      IPMI_PASSWORD: this.#o.password ?? '',
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await run(
        { signal: AbortSignal.any([ctx.signal, timeout]) },
        this.#o.binary,
        this.argv(command),
        {
          env,
          allowFail: true,
          killAfterMs: 0,
        },
      );
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (e instanceof ProcError && e.kind === 'interrupted')
        return { code: null, stdout: '', stderr: e.stderr };
      if (e instanceof ProcError) throw ipmiFailure(`ipmi: ${e.message}`);
      throw e;
    }
  }
}

/** Parses `chassis bootparam get 5`. */
export function parseBootFlags(text: string): IpmiBootSetting {
  const selector = /Boot Device Selector\s*:\s*(.*)/.exec(text)?.[1];
  if (selector === undefined) throw ipmiFailure(`ipmi: no boot device selector in: ${lastLines(text)}`);
  const hit = BOOT_SELECTORS.find(([re]) => re.test(selector));
  if (!hit) throw ipmiFailure(`ipmi: unknown boot device selector "${selector.trim()}"`);
  return { device: hit[1], persistent: /Options apply to all future boots/.test(text) };
}

function lastLines(text: string): string {
  return text.split('\n').filter(Boolean).slice(-3).join(' | ') || '(no output)';
}
