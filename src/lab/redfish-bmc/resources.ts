// The Redfish documents the emulator serves, built from a machine's state (pure: no I/O). Shapes follow the
// DMTF schemas at the versions sushy and Ironic read (deploy-protocols.md section 6).
import type { MachineBoot, MachinePower } from '../machine.ts';

export const RESET_TYPES = [
  'On',
  'ForceOn',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'PushPowerButton',
] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd'] as const;
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;

export interface SystemView {
  id: string;
  name: string;
  uuid: string;
  power: MachinePower;
  boot: MachineBoot;
  cpus: number;
  memoryMiB: number;
}

const V1 = '/redfish/v1';

export function serviceRoot(uuid: string) {
  return {
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    '@odata.id': `${V1}/`,
    Id: 'RootService',
    Name: 'tripleo-ts lab BMC',
    RedfishVersion: '1.5.0',
    UUID: uuid,
    Systems: { '@odata.id': `${V1}/Systems` },
    Managers: { '@odata.id': `${V1}/Managers` },
    SessionService: { '@odata.id': `${V1}/SessionService` },
    Links: { Sessions: { '@odata.id': `${V1}/SessionService/Sessions` } },
  };
}

export function sessionService() {
  return {
    '@odata.type': '#SessionService.v1_1_8.SessionService',
    '@odata.id': `${V1}/SessionService`,
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: 1800,
    Sessions: { '@odata.id': `${V1}/SessionService/Sessions` },
  };
}

export function session(id: string, user: string) {
  return {
    '@odata.type': '#Session.v1_3_0.Session',
    '@odata.id': `${V1}/SessionService/Sessions/${id}`,
    Id: id,
    Name: `Session ${id}`,
    UserName: user,
  };
}

export function collection(kind: string, path: string, ids: string[]) {
  return {
    '@odata.type': `#${kind}Collection.${kind}Collection`,
    '@odata.id': path,
    Name: `${kind} Collection`,
    'Members@odata.count': ids.length,
    Members: ids.map((id) => ({ '@odata.id': `${path}/${id}` })),
  };
}

/** Boot override as Redfish states it: no device means Disabled. */
export function bootView(boot: MachineBoot): { target: string; enabled: string } {
  if (!boot.device) return { target: 'None', enabled: 'Disabled' };
  return { target: boot.device === 'pxe' ? 'Pxe' : 'Hdd', enabled: boot.persistent ? 'Continuous' : 'Once' };
}

export function computerSystem(s: SystemView) {
  const path = `${V1}/Systems/${s.id}`;
  const b = bootView(s.boot);
  return {
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    '@odata.id': path,
    Id: s.id,
    Name: s.name,
    UUID: s.uuid,
    SystemType: 'Virtual',
    PowerState: s.power === 'on' ? 'On' : 'Off',
    Status: { State: 'Enabled', Health: 'OK' },
    Boot: {
      BootSourceOverrideEnabled: b.enabled,
      BootSourceOverrideTarget: b.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      BootSourceOverrideMode: 'Legacy',
    },
    ProcessorSummary: { Count: s.cpus },
    MemorySummary: { TotalSystemMemoryGiB: Math.round((s.memoryMiB / 1024) * 100) / 100 },
    Links: { ManagedBy: [{ '@odata.id': `${V1}/Managers/${s.id}` }] },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${path}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
}

export function manager(s: { id: string; name: string; uuid: string }) {
  return {
    '@odata.type': '#Manager.v1_10_0.Manager',
    '@odata.id': `${V1}/Managers/${s.id}`,
    Id: s.id,
    Name: `BMC of ${s.name}`,
    UUID: s.uuid,
    ManagerType: 'BMC',
    Status: { State: 'Enabled', Health: 'OK' },
    Links: { ManagerForServers: [{ '@odata.id': `${V1}/Systems/${s.id}` }] },
  };
}

/** A Redfish error body (Base message registry). */
export function errorBody(messageId: string, message: string) {
  return {
    error: {
      code: `Base.1.8.${messageId}`,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: `Base.1.8.${messageId}`,
          Message: message,
          Severity: 'Warning',
        },
      ],
    },
  };
}

/** What a Boot PATCH asks for, or why it is invalid; `current` fills what the request leaves out. */
export function parseBootPatch(body: unknown, current: MachineBoot): MachineBoot | string {
  const boot = (body as Record<string, unknown> | undefined)?.Boot;
  if (!boot || typeof boot !== 'object' || Array.isArray(boot)) return 'the request must carry a Boot object';
  const b = boot as Record<string, unknown>;
  const known = ['BootSourceOverrideTarget', 'BootSourceOverrideEnabled', 'BootSourceOverrideMode'];
  const unknown = Object.keys(b).filter((k) => !known.includes(k));
  if (unknown.length > 0) return `unsupported Boot properties: ${unknown.join(', ')}`;
  const target = b.BootSourceOverrideTarget;
  const enabled = b.BootSourceOverrideEnabled;
  const mode = b.BootSourceOverrideMode;
  if (target !== undefined && !(BOOT_TARGETS as readonly unknown[]).includes(target))
    return `BootSourceOverrideTarget must be one of ${BOOT_TARGETS.join(', ')}`;
  if (enabled !== undefined && !(BOOT_ENABLED as readonly unknown[]).includes(enabled))
    return `BootSourceOverrideEnabled must be one of ${BOOT_ENABLED.join(', ')}`;
  if (mode !== undefined && mode !== 'Legacy')
    return 'BootSourceOverrideMode: this machine boots Legacy only';
  const cur = bootView(current);
  const t = (target as string | undefined) ?? cur.target;
  // A target without "Enabled" on a disabled override means the next boot, as most BMCs do.
  let e = (enabled as string | undefined) ?? (cur.enabled === 'Disabled' ? 'Once' : cur.enabled);
  if (t === 'None') e = 'Disabled';
  if (e === 'Disabled') return { device: undefined, persistent: false };
  if (t === 'None') return { device: undefined, persistent: false };
  return { device: t === 'Pxe' ? 'pxe' : 'disk', persistent: e === 'Continuous' };
}
