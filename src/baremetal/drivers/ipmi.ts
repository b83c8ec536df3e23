// The `ipmi` hardware type's power and management interfaces: IpmiTool (the real `ipmitool -I lanplus`)
// driven the way Ironic's ipmitool driver does it: change, then poll the BMC until the state shows or
// the timeout passes; reboot as off-then-on; soft power off waits for the OS to halt within the timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/catalogue.ts';
import type { Node, PowerState } from '../model/node.ts';
import { bmcOptions } from './bmc-options.ts';
import { missing, optInt, optString, problems, readValue } from './driver-info.ts';
import type { BootDevice, ManagementInterface, PowerInterface, PowerTarget } from './interfaces.ts';
import { IpmiTool } from './ipmitool.ts';

const PROPERTIES = {
  ipmi_address: 'IP address or hostname of the node. Required.',
  ipmi_port: 'remote IPMI RMCP port (623). Optional.',
  ipmi_username: 'username; default is NULL user. Optional.',
  ipmi_password: 'password. Optional.',
  ipmi_cipher_suite: 'IPMI cipher suite passed as -C (default 3: SHA1/AES, no cipher probe). Optional.',
  ipmi_priv_level: 'privilege level: ADMINISTRATOR (default), OPERATOR, USER, CALLBACK. Optional.',
};

const PRIV_LEVELS = ['ADMINISTRATOR', 'OPERATOR', 'USER', 'CALLBACK'] as const;
type PrivLevel = (typeof PRIV_LEVELS)[number];

function reads(node: Node) {
  const info = node.driver_info;
  const priv = optString(info, 'ipmi_priv_level');
  const privOk =
    !priv.ok || priv.value === undefined || (PRIV_LEVELS as readonly string[]).includes(priv.value)
      ? priv
      : ({ ok: false, problem: `ipmi_priv_level must be one of ${PRIV_LEVELS.join(', ')}` } as const);
  return {
    address: optString(info, 'ipmi_address'),
    port: optInt(info, 'ipmi_port', 1, 65535),
    username: optString(info, 'ipmi_username'),
    password: optString(info, 'ipmi_password'),
    cipher: optInt(info, 'ipmi_cipher_suite', 0, 17),
    priv: privOk,
  };
}

export function validateIpmi(node: Node): string | undefined {
  const r = reads(node);
  return problems(Object.values(r), missing(node.driver_info, ['ipmi_address']), 'IPMI');
}

/** The IpmiTool for a node; throws 400 with the reasons when its driver_info does not validate. */
export function ipmiToolFor(node: Node): IpmiTool {
  const problem = validateIpmi(node);
  if (problem) throw new AppError('BAD_REQUEST', problem, { type: 'InvalidParameterValue' });
  const r = reads(node);
  const o = bmcOptions();
  return new IpmiTool({
    address: readValue(r.address) as string,
    port: readValue(r.port),
    username: readValue(r.username),
    password: readValue(r.password),
    cipherSuite: readValue(r.cipher) ?? 3,
    privilegeLevel: readValue(r.priv) as PrivLevel | undefined,
    minCommandIntervalMs: o.ipmiMinCommandIntervalMs,
    retryTimeoutMs: o.ipmiRetryTimeoutMs,
  });
}

async function readPower(ctx: Ctx, tool: IpmiTool): Promise<PowerState> {
  return (await tool.powerStatus(ctx)) === 'on' ? 'power on' : 'power off';
}

/** Polls until the BMC reports `want`; Ironic's _power_on/_power_off wait loop. */
async function waitFor(ctx: Ctx, tool: IpmiTool, want: PowerState, timeoutS: number, what: string) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    if ((await readPower(ctx, tool)) === want) return;
    if (Date.now() >= deadline)
      throw new AppError('INTERNAL', `IPMI ${what} did not reach "${want}" within ${timeoutS} s.`, {
        type: 'PowerStateFailure',
      });
    await sleep(1000, undefined, { signal: ctx.signal });
  }
}

export const ipmiPower: PowerInterface = {
  name: 'ipmitool',
  supported: true,
  properties: PROPERTIES,
  validate: validateIpmi,
  getPowerState: (ctx, node) => readPower(ctx, ipmiToolFor(node)),
  async setPowerState(ctx, node, target: PowerTarget, timeoutS) {
    const tool = ipmiToolFor(node);
    const wait = timeoutS ?? bmcOptions().powerWaitS;
    switch (target) {
      case 'power on':
        await tool.powerOn(ctx);
        await waitFor(ctx, tool, 'power on', wait, 'power on');
        break;
      case 'power off':
        await tool.powerOff(ctx);
        await waitFor(ctx, tool, 'power off', wait, 'power off');
        break;
      case 'rebooting':
        await tool.powerOff(ctx);
        await waitFor(ctx, tool, 'power off', wait, 'reboot (power off)');
        await tool.powerOn(ctx);
        await waitFor(ctx, tool, 'power on', wait, 'reboot (power on)');
        break;
      case 'soft power off':
        await tool.powerSoft(ctx);
        await waitFor(ctx, tool, 'power off', wait, 'soft power off');
        break;
      case 'soft rebooting':
        await tool.powerSoft(ctx);
        await waitFor(ctx, tool, 'power off', wait, 'soft reboot (soft power off)');
        await tool.powerOn(ctx);
        await waitFor(ctx, tool, 'power on', wait, 'soft reboot (power on)');
        break;
    }
    return undefined;
  },
};

// What `chassis bootdev` sets through IpmiTool; the other devices are refused before any command is sent.
const IPMI_BOOT_DEVICES: BootDevice[] = ['pxe', 'disk'];

export const ipmiManagement: ManagementInterface = {
  name: 'ipmitool',
  supported: true,
  properties: PROPERTIES,
  validate: validateIpmi,
  supportedBootDevices: () => [...IPMI_BOOT_DEVICES],
  async getBootDevice(ctx, node) {
    const b = await ipmiToolFor(node).getBootDevice(ctx);
    return { boot_device: b.device ?? null, persistent: b.device ? b.persistent : null };
  },
  async setBootDevice(ctx, node, device, persistent) {
    if (device !== 'pxe' && device !== 'disk')
      throw new AppError(
        'BAD_REQUEST',
        `The ipmitool management interface cannot set boot device ${device}.`,
        {
          type: 'InvalidParameterValue',
        },
      );
    await ipmiToolFor(node).setBootDevice(ctx, device, { persistent });
    return undefined;
  },
};
