// What every pass of the server worker shares: the deps it runs with, Nova's instance event names, the
// node states a pass reads, and recording an event on the server's request.
import type { BaremetalClient } from '../../baremetal/client.ts';
import type { NetworkClient } from '../../network/client.ts';
import type { Queryable } from '../../platform/db/types.ts';
import type { Server } from '../model/server.ts';
import type { ComputeSettings } from '../model/settings.ts';
import type { ServerGroupStore } from '../store/server-groups.ts';
import type { ServerStore } from '../store/servers.ts';

export interface StepDeps {
  servers: ServerStore;
  groups: ServerGroupStore;
  settings: ComputeSettings;
  baremetal: () => BaremetalClient;
  network: () => NetworkClient;
  /** Saves inside the fenced transaction of the pass's lease; false when the row changed meanwhile. */
  save: (s: Server, also?: (q: Queryable) => Promise<void>) => Promise<boolean>;
}

/** Node states in which no instance is deployed (an undeploy is not needed). */
export const UNDEPLOYED = new Set([
  'cleaning',
  'clean wait',
  'available',
  'clean failed',
  'manageable',
  'enroll',
]);
/** Node states in which a deploy or rebuild failed. */
export const DEPLOY_FAILED = new Set(['deploy failed', 'error']);

/** Nova's event names, as `openstack server event list` shows them. */
export const EVENTS = {
  schedule: 'conductor_schedule_and_build_instances',
  build: 'compute__do_build_and_run_instance',
  delete: 'compute_terminate_instance',
  reboot: 'compute_reboot_instance',
  stop: 'compute_stop_instance',
  start: 'compute_start_instance',
  rebuild: 'compute_rebuild_instance',
} as const;

export async function event(
  d: StepDeps,
  s: Server,
  name: string,
  finish?: Parameters<ServerStore['event']>[4],
) {
  if (s.request_id) await d.servers.event(s.id, s.request_id, name, d.settings.host, finish);
}

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
