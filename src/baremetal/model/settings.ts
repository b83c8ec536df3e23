// The bare metal service's settings (ooo.json "settings": {"baremetal": {...}}), with Ironic's defaults.
import type { ProvisionState } from './provision.ts';

export interface BaremetalSettings {
  /** This conductor's name, shown as a node's `reservation` and in `conductor list`. */
  host: string;
  conductorGroup: string;
  /** Seconds a node may stay in each wait state before it fails (Ironic's *_callback_timeout). */
  waitTimeouts: Readonly<Partial<Record<ProvisionState, number>>>;
  /** How often the conductor looks for timed-out waits and orphaned nodes, and heartbeats. */
  periodicIntervalMs: number;
  /** How often every node's power state is read from its BMC (Ironic's sync_power_state_interval). */
  powerSyncIntervalMs: number;
  /** How long a node lease lives without renewal: a dead conductor's nodes are taken over after this. */
  leaseTtlMs: number;
  /** Automated cleaning on provide and after undeploy (Ironic's [conductor]automated_clean). */
  automatedClean: boolean;
  /** The resource class of a node created without one (Ironic's default_resource_class). */
  defaultResourceClass: string | null;
  /** A conductor not heard from for this long is shown as not alive. */
  heartbeatTimeoutMs: number;
  /** Automated cleaning also runs the agent's full erase (erase_devices), not only erase_devices_metadata. */
  eraseDevices: boolean;
  /** How often a running agent command is polled. */
  agentPollIntervalMs: number;
  /** The sparse disk of a `sim` node without properties.local_gb, in GiB. */
  simDiskGb: number;
  /** The Neutron network (name or ID) whose ports network-boot `ipxe`/`pxe` nodes (Ironic's [neutron]cleaning_network). */
  provisioningNetwork: string | null;
  /** The address nodes reach this process at on that network; default its subnet's gateway. */
  provisioningHost: string | null;
  /** The TFTP server for plain PXE (`pxe` boot), as DHCP option 66; default the DHCP server itself. */
  tftpServer: string | null;
  /** A unix socket of an HTTP proxy onto the provisioning network, when this host has no address on it (the lab's). */
  agentSocket: string | null;
  /** How many agent passes (heartbeat handling, command polls) run at once (Ironic's workers_pool_size). */
  agentPassConcurrency: number;
}

const DEFAULT_TIMEOUTS: Partial<Record<ProvisionState, number>> = {
  'wait call-back': 1800,
  'clean wait': 1800,
  'inspect wait': 1800,
  'rescue wait': 1800,
  'service wait': 1800,
};

export function parseSettings(raw: Record<string, unknown>, hostname: string): BaremetalSettings {
  const num = (k: string, d: number) => {
    const v = raw[k];
    if (v === undefined) return d;
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`baremetal settings: ${k} must be a positive number`);
    return v;
  };
  const timeouts = { ...DEFAULT_TIMEOUTS };
  const given = raw.waitTimeouts;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null)
      throw new Error('baremetal settings: waitTimeouts must be an object');
    for (const [state, seconds] of Object.entries(given)) {
      if (!(state in DEFAULT_TIMEOUTS))
        throw new Error(`baremetal settings: waitTimeouts has no wait state "${state}"`);
      if (typeof seconds !== 'number' || !(seconds > 0))
        throw new Error(`baremetal settings: waitTimeouts["${state}"] must be a positive number of seconds`);
      timeouts[state as ProvisionState] = seconds;
    }
  }
  return {
    host: typeof raw.host === 'string' ? raw.host : hostname,
    conductorGroup: typeof raw.conductorGroup === 'string' ? raw.conductorGroup.toLowerCase() : '',
    waitTimeouts: timeouts,
    periodicIntervalMs: num('periodicIntervalMs', 10_000),
    powerSyncIntervalMs: num('powerSyncIntervalMs', 60_000),
    leaseTtlMs: num('leaseTtlMs', 60_000),
    automatedClean: raw.automatedClean === undefined ? true : raw.automatedClean === true,
    defaultResourceClass: typeof raw.defaultResourceClass === 'string' ? raw.defaultResourceClass : null,
    heartbeatTimeoutMs: num('heartbeatTimeoutMs', 60_000),
    eraseDevices: raw.eraseDevices === true,
    agentPollIntervalMs: num('agentPollIntervalMs', 2000),
    simDiskGb: num('simDiskGb', 4),
    provisioningNetwork: optText(raw, 'provisioningNetwork'),
    provisioningHost: optText(raw, 'provisioningHost'),
    tftpServer: optText(raw, 'tftpServer'),
    agentSocket: optText(raw, 'agentSocket'),
    agentPassConcurrency: num('agentPassConcurrency', 32),
  };
}

function optText(raw: Record<string, unknown>, key: string): string | null {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new Error(`baremetal settings: ${key} must be a string`);
  return v;
}
