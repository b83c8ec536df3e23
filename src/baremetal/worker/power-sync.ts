// The periodic power-state sync (Ironic's _sync_power_states and _power_failure_recovery) as a reconcile
// loop on the platform's work runtime: every resync lists the nodes to look at, at most `concurrency`
// BMCs are asked at once, and a BMC that does not answer is retried with backoff. What the BMC says is
// compared with the record; only a difference takes the node's lease, so a sync never blocks operators:
//  - a different power state is written and recorded as a `power` event (Ironic with
//    force_power_state_during_sync=False: the hardware is the truth; we never power a machine back);
//  - `maxFailures` consecutive failures put the node in maintenance with fault `power failure`, its
//    power state unknown (null) and a reason, as Ironic does;
//  - a node held in maintenance for a power failure is still polled, and the first answer clears the
//    fault, the maintenance and its reason.
import type { Ctx } from '../../platform/context.ts';
import { done, failed, type Outcome, Reconciler } from '../../platform/work/reconcile.ts';
import { composeDriver } from '../drivers/compose.ts';
import type { Node } from '../model/node.ts';
import type { NodeStore } from '../store/nodes.ts';
import type { Conductor } from './conductor.ts';

export const POWER_FAILURE = 'power failure';

export interface PowerSyncSettings {
  /** Ironic's [conductor]sync_power_state_interval (60 s). */
  intervalMs: number;
  /** Ironic's [conductor]sync_power_state_workers (8); here the BMCs asked at once. */
  concurrency: number;
  /** Ironic's [conductor]power_state_sync_max_retries (3): failures in a row before maintenance. */
  maxFailures: number;
}

/** settings.baremetal.powerSync, with Ironic's defaults. */
export function parsePowerSync(raw: unknown): PowerSyncSettings {
  const s: PowerSyncSettings = { intervalMs: 60_000, concurrency: 8, maxFailures: 3 };
  if (raw === undefined) return s;
  if (typeof raw !== 'object' || raw === null)
    throw new Error('baremetal settings: powerSync must be an object');
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in s)) throw new Error(`baremetal settings: powerSync has no option "${k}"`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`baremetal settings: powerSync.${k} must be a positive integer`);
    s[k as keyof PowerSyncSettings] = v;
  }
  return s;
}

/** Which nodes a sync looks at: not enrolled-only, and not in maintenance unless for a power failure. */
export function wantsSync(n: Node): boolean {
  if (n.provision_state === 'enroll') return false;
  return !n.maintenance || n.fault === POWER_FAILURE;
}

export class PowerSync {
  readonly #nodes: NodeStore;
  readonly #conductor: Conductor;
  readonly #s: PowerSyncSettings;
  readonly #loop: Reconciler;

  constructor(d: { nodes: NodeStore; conductor: Conductor; settings: PowerSyncSettings }) {
    this.#nodes = d.nodes;
    this.#conductor = d.conductor;
    this.#s = d.settings;
    this.#loop = new Reconciler({
      name: 'baremetal-power-sync',
      concurrency: d.settings.concurrency,
      reconcile: (ctx, uuid) => this.syncOne(ctx, uuid),
      resync: {
        everyMs: d.settings.intervalMs,
        keys: async () => (await this.#nodes.list()).filter(wantsSync).map((n) => n.uuid),
      },
    });
  }

  start(ctx: Ctx): Promise<void> {
    return this.#loop.start(ctx);
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One node: ask its BMC, then write what changed under the node's lease. */
  async syncOne(ctx: Ctx, uuid: string): Promise<Outcome> {
    const node = await this.#nodes.get(uuid);
    // Busy nodes are skipped: whoever holds the lease is changing the power and will record it.
    if (!node || !wantsSync(node) || node.reservation || node.target_power_state) return done();
    const power = composeDriver(node).power;
    if (power.validate(node) !== undefined) return done();
    let state: Node['power_state'];
    try {
      state = await power.getPowerState(ctx, node);
    } catch (e) {
      if (node.fault === POWER_FAILURE) return done(); // still down; the next resync asks again
      const failures = this.#loop.failures(uuid) + 1;
      if (failures < this.#s.maxFailures) return failed(e);
      await this.#write(ctx, uuid, (n) => {
        if (n.maintenance || n.target_power_state) return undefined;
        const reason =
          `During sync_power_state, max retries exceeded for node ${n.uuid}, node state ${n.power_state} ` +
          `does not match expected state 'None'. Updating DB state to 'None' Switching node to maintenance ` +
          `mode. Error: ${e instanceof Error ? e.message : String(e)}`;
        const from = n.power_state;
        n.power_state = null;
        n.maintenance = true;
        n.maintenance_reason = reason;
        n.fault = POWER_FAILURE;
        return {
          kind: 'maintenance',
          to: 'maintenance',
          reason,
          fault: POWER_FAILURE,
          fromState: from,
          severity: 'ERROR',
        };
      });
      return done();
    }
    if (node.fault === POWER_FAILURE) {
      await this.#write(ctx, uuid, (n) => {
        if (n.fault !== POWER_FAILURE) return undefined;
        n.power_state = state;
        n.maintenance = false;
        n.maintenance_reason = null;
        n.fault = null;
        return {
          kind: 'maintenance',
          to: 'in service',
          reason: `power failure recovered: the BMC reports ${state}`,
        };
      });
    } else if (state !== node.power_state) {
      await this.#write(ctx, uuid, (n) => {
        if (n.target_power_state || n.power_state === state) return undefined;
        const from = n.power_state;
        n.power_state = state;
        return {
          kind: 'power',
          to: state,
          fromState: from,
          reason: `power state sync: the BMC reports ${state}`,
        };
      });
    }
    return done();
  }

  /** Applies `change` under the node's lease; a node someone else holds is left for the next round. */
  async #write(ctx: Ctx, uuid: string, change: Parameters<import('./node-task.ts').NodeTask['update']>[0]) {
    try {
      await this.#conductor.exclusive(ctx, uuid, 'power state sync', null, (task) =>
        task.update((n, q) => change(n, q)),
      );
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type !== 'NodeLocked' && type !== 'NodeNotFound') throw e;
    }
  }
}
