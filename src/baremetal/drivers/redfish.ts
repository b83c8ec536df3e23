// The `redfish` hardware type's power and management interfaces on RedfishClient, mapped as Ironic's
// redfish driver maps sushy: On/PoweringOn → power on, Off/PoweringOff → power off; reboot is ForceRestart
// (On when off), soft power off is GracefulShutdown; boot devices pxe/disk/cdrom/bios ↔ Pxe/Hdd/Cd/
// BiosSetup, persistent ↔ Continuous. Each operation opens its own client and closes its session.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/catalogue.ts';
import type { Node, PowerState } from '../model/node.ts';
import { bmcOptions } from './bmc-options.ts';
import { missing, optString, problems, type Read, readValue } from './driver-info.ts';
import type { BootDevice, ManagementInterface, PowerInterface, PowerTarget } from './interfaces.ts';
import { type RedfishBootTarget, RedfishClient, type RedfishPowerState } from './redfish-client.ts';

const PROPERTIES = {
  redfish_address: 'The URL of the Redfish service (https:// is assumed without a scheme). Required.',
  redfish_system_id: 'The path of the ComputerSystem (/redfish/v1/Systems/<id>); optional when there is one.',
  redfish_username: 'User account with admin/server-profile access privilege. Optional.',
  redfish_password: 'User account password. Optional.',
  redfish_verify_ca: 'True (system CAs, default), False (no TLS verification) or a CA bundle path. Optional.',
  redfish_auth_type: 'auto (default: session, else basic), session or basic. Optional.',
};

const AUTH_TYPES = ['auto', 'session', 'basic'] as const;

function verifyCa(node: Node): Read<boolean | string> {
  const v = node.driver_info.redfish_verify_ca;
  if (v === undefined || v === null || v === '') return { ok: true, value: true };
  if (typeof v === 'boolean') return { ok: true, value: v };
  if (typeof v !== 'string') return { ok: false, problem: 'redfish_verify_ca must be a boolean or a path' };
  if (/^(true|yes|1|on)$/i.test(v)) return { ok: true, value: true };
  if (/^(false|no|0|off)$/i.test(v)) return { ok: true, value: false };
  if (!v.startsWith('/'))
    return { ok: false, problem: `redfish_verify_ca must be a boolean or an absolute path, not "${v}"` };
  return { ok: true, value: v };
}

function reads(node: Node) {
  const info = node.driver_info;
  const auth = optString(info, 'redfish_auth_type');
  const system = optString(info, 'redfish_system_id');
  return {
    address: optString(info, 'redfish_address'),
    system:
      system.ok && system.value !== undefined && !system.value.startsWith('/')
        ? ({ ok: false, problem: 'redfish_system_id must be a path such as /redfish/v1/Systems/1' } as const)
        : system,
    username: optString(info, 'redfish_username'),
    password: optString(info, 'redfish_password'),
    verify: verifyCa(node),
    auth:
      auth.ok && auth.value !== undefined && !(AUTH_TYPES as readonly string[]).includes(auth.value)
        ? ({ ok: false, problem: `redfish_auth_type must be one of ${AUTH_TYPES.join(', ')}` } as const)
        : auth,
  };
}

export function validateRedfish(node: Node): string | undefined {
  return problems(Object.values(reads(node)), missing(node.driver_info, ['redfish_address']), 'Redfish');
}

function clientFor(node: Node): RedfishClient {
  const problem = validateRedfish(node);
  if (problem) throw new AppError('BAD_REQUEST', problem, { type: 'InvalidParameterValue' });
  const r = reads(node);
  return new RedfishClient({
    address: readValue(r.address) as string,
    systemId: readValue(r.system),
    username: readValue(r.username),
    password: readValue(r.password),
    verifyTls: readValue(r.verify),
    authType: readValue(r.auth) as (typeof AUTH_TYPES)[number] | undefined,
    timeoutMs: bmcOptions().redfishTimeoutMs,
  });
}

/** Runs `fn` with a fresh client, then ends its session (errors closing are not the operation's). */
async function withClient<T>(ctx: Ctx, node: Node, fn: (c: RedfishClient) => Promise<T>): Promise<T> {
  const c = clientFor(node);
  try {
    return await fn(c);
  } finally {
    await c.close(ctx).catch(() => undefined);
  }
}

const toPower = (s: RedfishPowerState): PowerState =>
  s === 'On' || s === 'PoweringOn' ? 'power on' : 'power off';

async function waitFor(ctx: Ctx, c: RedfishClient, want: PowerState, timeoutS: number, what: string) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    if (toPower(await c.powerState(ctx)) === want) return;
    if (Date.now() >= deadline)
      throw new AppError('INTERNAL', `Redfish ${what} did not reach "${want}" within ${timeoutS} s.`, {
        type: 'PowerStateFailure',
      });
    await sleep(500, undefined, { signal: ctx.signal });
  }
}

export const redfishPower: PowerInterface = {
  name: 'redfish',
  supported: true,
  properties: PROPERTIES,
  validate: validateRedfish,
  getPowerState: (ctx, node) => withClient(ctx, node, async (c) => toPower(await c.powerState(ctx))),
  setPowerState: (ctx, node, target: PowerTarget, timeoutS) =>
    withClient(ctx, node, async (c) => {
      const wait = timeoutS ?? bmcOptions().powerWaitS;
      const on = toPower(await c.powerState(ctx)) === 'power on';
      switch (target) {
        case 'power on':
          if (!on) await c.reset(ctx, 'On');
          await waitFor(ctx, c, 'power on', wait, 'power on');
          break;
        case 'power off':
          if (on) await c.reset(ctx, 'ForceOff');
          await waitFor(ctx, c, 'power off', wait, 'power off');
          break;
        case 'rebooting':
          await c.reset(ctx, on ? 'ForceRestart' : 'On');
          await waitFor(ctx, c, 'power on', wait, 'reboot');
          break;
        case 'soft power off':
          if (on) await c.reset(ctx, 'GracefulShutdown');
          await waitFor(ctx, c, 'power off', wait, 'soft power off');
          break;
        case 'soft rebooting':
          await c.reset(ctx, on ? 'GracefulRestart' : 'On');
          await waitFor(ctx, c, 'power on', wait, 'soft reboot');
          break;
      }
      return undefined;
    }),
};

const TO_TARGET: Partial<Record<BootDevice, RedfishBootTarget>> = {
  pxe: 'Pxe',
  disk: 'Hdd',
  cdrom: 'Cd',
  bios: 'BiosSetup',
};
const FROM_TARGET: Partial<Record<RedfishBootTarget, BootDevice>> = {
  Pxe: 'pxe',
  Hdd: 'disk',
  Cd: 'cdrom',
  BiosSetup: 'bios',
};

export const redfishManagement: ManagementInterface = {
  name: 'redfish',
  supported: true,
  properties: PROPERTIES,
  validate: validateRedfish,
  supportedBootDevices: () => Object.keys(TO_TARGET) as BootDevice[],
  getBootDevice: (ctx, node) =>
    withClient(ctx, node, async (c) => {
      const b = await c.getBootOverride(ctx);
      const device = b.target && b.enabled !== 'Disabled' ? (FROM_TARGET[b.target] ?? null) : null;
      return { boot_device: device, persistent: device ? b.enabled === 'Continuous' : null };
    }),
  setBootDevice: (ctx, node, device, persistent) =>
    withClient(ctx, node, async (c) => {
      const target = TO_TARGET[device];
      if (!target)
        throw new AppError(
          'BAD_REQUEST',
          `The redfish management interface cannot set boot device ${device}.`,
          {
            type: 'InvalidParameterValue',
          },
        );
      await c.setBootOverride(ctx, target, persistent ? 'Continuous' : 'Once');
      return undefined;
    }),
};
