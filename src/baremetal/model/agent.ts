// The ramdisk agent's side of the API (lookup and heartbeat): which states accept it, the fields a
// heartbeat may carry at each microversion, and the driver_internal_info keys a power cycle wipes.
import type { Dict } from './node.ts';
import type { ProvisionState } from './provision.ts';

/** Ironic's restrict_lookup states: a node elsewhere answers 404, as if it did not exist. */
export const LOOKUP_STATES: ReadonlySet<ProvisionState> = new Set([
  'deploying',
  'wait call-back',
  'cleaning',
  'clean wait',
  'inspecting',
  'inspect wait',
  'rescuing',
  'rescue wait',
  'service wait',
]);

export const HEARTBEAT_TIMEOUT_S = 300;

/** Heartbeat body fields and the microversion that allows each. */
export const HEARTBEAT_FIELDS: Readonly<Record<string, number>> = {
  callback_url: 22,
  agent_version: 36,
  agent_token: 62,
  agent_verify_ca: 68,
  agent_status: 72,
  agent_status_message: 72,
};

/** What an agent boot leaves behind; every power-off or reboot wipes it, so each boot looks up afresh. */
export const AGENT_KEYS = [
  'agent_secret_token',
  'agent_url',
  'agent_version',
  'agent_verify_ca',
  'agent_last_heartbeat',
  'agent_seen',
];

export function wipeAgent(info: Dict): void {
  for (const k of AGENT_KEYS) delete info[k];
}

/** http(s)://host:port with an IP or a name; the agent listens on 9999 by default. */
export function validCallbackUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
