// Periodic power-state sync (Ironic's _sync_power_states): for every node not being worked on, ask its BMC
// for the power state and record a change as an event. A BMC that fails to answer MAX_FAILURES rounds in a
// row puts the node in maintenance with fault "power failure"; the first answer afterwards clears both.
import type { Ctx } from '../../platform/context.ts';
import { composeDriver } from '../drivers/compose.ts';
import type { Node } from '../model/node.ts';
import { ACTION_STATES, WAIT_STATES } from '../model/provision.ts';
import type { Conductor } from './conductor.ts';

export const MAX_FAILURES = 3;
export const POWER_FAILURE = 'power failure';
const CONCURRENCY = 4;

/** Not synced: enrolled nodes (credentials not verified yet), nodes being worked on or waiting on an agent. */
function due(n: Node): boolean {
  if (n.reservation !== null || n.provision_state === 'enroll') return false;
  if (ACTION_STATES.has(n.provision_state) || WAIT_STATES.has(n.provision_state)) return false;
  return !n.maintenance || n.fault === POWER_FAILURE;
}

export async function syncPowerStates(ctx: Ctx, conductor: Conductor, nodes: readonly Node[]): Promise<void> {
  const queue = nodes.filter(due);
  const worker = async () => {
    for (let n = queue.shift(); n; n = queue.shift()) {
      if (ctx.signal.aborted) return;
      await syncOne(ctx, conductor, n).catch((e) => {
        if ((e as { type?: string }).type !== 'NodeLocked')
          ctx.log.warn({ err: e, node: n.uuid }, 'power sync failed');
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function syncOne(ctx: Ctx, conductor: Conductor, node: Node): Promise<void> {
  await conductor.exclusive(ctx, node.uuid, 'power state sync', null, async (task) => {
    if (!due({ ...task.node, reservation: null })) return;
    let power: Node['power_state'];
    try {
      power = await composeDriver(task.node).power.getPowerState(task.ctx, task.node);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await task.update((n) => {
        const failures = Number(n.driver_internal_info.power_sync_failures ?? 0) + 1;
        n.driver_internal_info.power_sync_failures = failures;
        if (failures < MAX_FAILURES || n.fault === POWER_FAILURE) return undefined;
        n.maintenance = true;
        n.fault = POWER_FAILURE;
        n.maintenance_reason = `During power state sync, ${failures} attempts to read the power state failed: ${message}`;
        return { kind: 'maintenance', to: 'maintenance', reason: n.maintenance_reason, severity: 'ERROR' };
      });
      return;
    }
    await task.update((n) => {
      delete n.driver_internal_info.power_sync_failures;
      if (n.fault === POWER_FAILURE) {
        n.maintenance = false;
        n.fault = null;
        n.maintenance_reason = null;
        n.power_state = power;
        return { kind: 'maintenance', to: 'in service', reason: 'the BMC answers again' };
      }
      if (n.power_state === power) return undefined;
      const from = n.power_state;
      n.power_state = power;
      return { kind: 'power', to: String(power), reason: `power state sync: was ${String(from)}` };
    });
  });
}
