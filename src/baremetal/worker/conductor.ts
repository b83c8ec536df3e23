// The conductor: runs every exclusive node operation under the node's lease, starts the long ones in the
// background once their first transition is committed (so the API can answer 202), and, periodically,
// fails nodes whose wait timed out and takes over nodes a dead conductor left in an action state.
// Several conductors share one database: each is a member of its conductor group's hash ring (the
// platform's Membership), and its periodic work (timeouts, takeover, power sync, the agent resync) covers
// only the nodes the ring gives it. When a conductor stops beating, the ring without it hands its nodes to
// the others. An operation asked through the API runs in whichever process received it, under the lease
// (docs/decisions/baremetal-conductors.md).
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { Leases } from '../../platform/work/leases.ts';
import { done, type Outcome, Reconciler, requeueAfter } from '../../platform/work/reconcile.ts';
import { Membership, WorkerRegistry } from '../../platform/work/registry.ts';
import { isLeaseLost, withTask } from '../../platform/work/task.ts';
import { nodeLocked, nodeNotFound } from '../model/errors.ts';
import { HARDWARE_TYPES } from '../model/hardware-types.ts';
import type { Node } from '../model/node.ts';
import { ACTION_STATES, failureOf, type ProvisionState, WAIT_STATES } from '../model/provision.ts';
import type { BaremetalSettings } from '../model/settings.ts';
import type { ConductorStore } from '../store/conductors.ts';
import type { NodeStore } from '../store/nodes.ts';
import type { AgentStepDeps } from './agent-pass.ts';
import { advanceWithAgent, agentStillBusy } from './agent-steps.ts';
import { NodeGoneError, NodeTask, nodeResource } from './node-task.ts';
import { syncPowerStates } from './power-sync.ts';

export interface ConductorDeps {
  db: Database;
  nodes: NodeStore;
  conductors: ConductorStore;
  leases: Leases;
  events: EventLog;
  settings: BaremetalSettings;
  now?: () => number;
  /** What acting on an agent's call-backs needs (ports, the image service); absent: heartbeats are only recorded. */
  agentSteps?: Omit<AgentStepDeps, 'settings'>;
}

/** What a heartbeat brought, kept until the node's next pass can write it under the lease. */
export interface HeartbeatRecord {
  token: string;
  agentUrl: string;
  agentVersion: string | null;
  at: string;
}

/** The wait states in which an agent's call-back moves the work on. */
const AGENT_WAIT_STATES: readonly ProvisionState[] = ['clean wait', 'wait call-back', 'inspect wait'];
/** How soon a pass retries when the node's lease is busy (a heartbeat during another operation). */
const LOCKED_RETRY_MS = 500;

type Step = (task: NodeTask) => Promise<void>;

export class Conductor {
  readonly host: string;
  readonly #d: ConductorDeps;
  readonly #now: () => number;
  readonly #running = new Set<Promise<unknown>>();
  readonly #stopping = new AbortController();
  readonly #heartbeats = new Map<string, HeartbeatRecord>();
  readonly #membership: Membership;
  #ctx: Ctx | undefined;
  #loop: Reconciler | undefined;

  constructor(d: ConductorDeps) {
    this.#d = d;
    this.host = d.settings.host;
    this.#now = d.now ?? Date.now;
    this.#membership = new Membership({
      registry: new WorkerRegistry(d.db, this.#now),
      group: ringGroup(d.settings.conductorGroup),
      id: this.host,
      ttlMs: d.settings.heartbeatTimeoutMs,
    });
  }

  /**
   * Whether this conductor's periodic work covers the node: its group, and the ring gives it to us — except
   * a node whose machine lives in a conductor's process (`sim_host`), which stays with that conductor while
   * it is in the ring (its agent and virtual power are there).
   */
  owns(node: Pick<Node, 'uuid' | 'conductor_group' | 'driver_internal_info'>): boolean {
    if (node.conductor_group !== this.#d.settings.conductorGroup) return false;
    const pinned = node.driver_internal_info?.sim_host;
    if (typeof pinned === 'string' && this.#membership.ring().members().includes(pinned))
      return pinned === this.host;
    return this.#membership.owns(node.uuid);
  }

  /** The live conductors of this conductor's group, as the last heartbeat saw them. */
  ringMembers(): string[] {
    return this.#membership.ring().members();
  }

  /**
   * Takes the node's lease and runs `begin` under it; `begin`'s result is returned as soon as it is done.
   * `background`, when given, then continues under the same lease (renewed) without the caller waiting.
   * A node whose lease is held by a live operation gives 409 NodeLocked.
   */
  async exclusive<T>(
    ctx: Ctx,
    uuid: string,
    purpose: string,
    user: string | null,
    begin: (task: NodeTask) => Promise<T>,
    background?: Step,
  ): Promise<T> {
    const owner = `${this.host}/${randomUUID()}`;
    const resource = nodeResource(uuid);
    const workCtx: Ctx = {
      log: (this.#ctx ?? ctx).log.child({ node: uuid, purpose }),
      signal: this.#stopping.signal,
    };
    let began!: (v: T) => void;
    let failed!: (e: unknown) => void;
    const result = new Promise<T>((resolve, reject) => {
      began = resolve;
      failed = reject;
    });
    let started = false;
    const spec = { resource, owner, purpose, ttlMs: this.#d.settings.leaseTtlMs };
    const run = withTask(workCtx, this.#d.leases, spec, async (fenced) => {
      const node = await this.#d.nodes.get(uuid);
      if (!node) throw nodeNotFound(uuid);
      const task = new NodeTask({
        ctx: { log: workCtx.log, signal: fenced.signal },
        owner,
        host: this.host,
        node,
        task: fenced,
        events: this.#d.events,
        nodes: this.#d.nodes,
        now: this.#now,
        user,
      });
      await task.update((n) => {
        n.reservation = this.host;
      });
      try {
        const value = await begin(task);
        started = true;
        began(value);
        if (background) await background(task);
      } finally {
        await task
          .update((n) => {
            n.reservation = null;
          })
          .catch((e) => {
            if (!(e instanceof NodeGoneError))
              workCtx.log.warn({ err: e }, 'could not clear the reservation');
          });
      }
    }).catch(async (e) => {
      if (started) {
        if (isLeaseLost(e)) workCtx.log.warn({ err: e }, 'node operation stopped: lease lost');
        else workCtx.log.error({ err: e }, 'node operation failed after it started');
        return;
      }
      if ((e as { type?: string }).type === 'Locked') {
        const holder = (await this.#d.leases.get(resource))?.owner ?? 'another conductor';
        failed(nodeLocked(uuid, holder.split('/')[0] ?? holder));
      } else failed(e);
    });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return result;
  }

  async start(ctx: Ctx): Promise<void> {
    this.#ctx = ctx;
    const now = this.#now();
    await this.#membership.start(ctx);
    await this.#d.conductors.register({
      hostname: this.host,
      conductor_group: this.#d.settings.conductorGroup,
      drivers: [...HARDWARE_TYPES.keys()],
      started_at: now,
      heartbeat_at: now,
    });
    // The platform's work runtime runs the periodic round; its first run is at once, so a starting
    // conductor takes over what a dead one left before it waits.
    this.#loop = new Reconciler({
      name: 'baremetal-conductor',
      reconcile: (c, key) => this.#agentPass(c, key),
      // Passes mostly wait on the agent's HTTP and the database: a thousand nodes need more than a few.
      concurrency: this.#d.settings.agentPassConcurrency,
      // The safety net under missed heartbeats: every node an agent is working for gets a pass.
      resync: {
        everyMs: this.#d.settings.periodicIntervalMs,
        keys: async () =>
          (await this.#d.nodes.inStates(AGENT_WAIT_STATES, undefined, { driverInfo: false }))
            .filter((n) => this.owns(n) && typeof n.driver_internal_info.agent_url === 'string')
            .map((n) => n.uuid),
      },
      periodic: [
        { name: 'conductor', everyMs: this.#d.settings.periodicIntervalMs, run: (c) => this.periodic(c) },
        { name: 'power sync', everyMs: this.#d.settings.powerSyncIntervalMs, run: (c) => this.syncPower(c) },
      ],
    });
    await this.#loop.start(ctx);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop?.stop();
    await Promise.allSettled([...this.#running]);
    // Leaving the ring at once hands this conductor's nodes to the others without waiting for the TTL.
    await this.#membership.stop().catch((e) => this.#ctx?.log.warn({ err: e }, 'could not leave the ring'));
  }

  /**
   * An agent heartbeat (its token already checked by the API): recorded and acted on in the node's next pass
   * of the reconcile loop, under the node's lease.
   */
  heartbeat(uuid: string, record: HeartbeatRecord): void {
    this.#heartbeats.set(uuid, record);
    this.#loop?.enqueue(uuid);
  }

  async #agentPass(ctx: Ctx, uuid: string): Promise<Outcome> {
    const record = this.#heartbeats.get(uuid);
    if (!record && this.#d.agentSteps) {
      // A poll while the agent's command runs takes no lease and writes nothing.
      const node = await this.#d.nodes.get(uuid);
      if (!node) return done();
      if (await agentStillBusy(ctx, node)) return requeueAfter(this.#d.settings.agentPollIntervalMs);
    }
    try {
      const again = await this.exclusive(ctx, uuid, 'agent call-back', null, async (task) => {
        if (record) {
          this.#heartbeats.delete(uuid);
          await task.update((n) => {
            // A token wiped or replaced since (a power cycle) makes the heartbeat stale.
            if (n.driver_internal_info.agent_secret_token !== record.token) return;
            n.driver_internal_info.agent_url = record.agentUrl;
            n.driver_internal_info.agent_version = record.agentVersion;
            n.driver_internal_info.agent_last_heartbeat = record.at;
          });
        }
        if (!this.#d.agentSteps) return undefined;
        return advanceWithAgent(task, { settings: this.#d.settings, ...this.#d.agentSteps, now: this.#now });
      });
      return again === undefined ? done() : requeueAfter(Math.max(1, again));
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type === 'NodeLocked') return requeueAfter(LOCKED_RETRY_MS);
      if (type === 'NodeNotFound' || e instanceof NodeGoneError) return done();
      throw e;
    }
  }

  /** Waits until the reconcile loop's passes and periodic rounds now running have ended (tests). */
  async loopIdle(): Promise<void> {
    await this.#loop?.idle();
  }

  /** Waits until every background operation started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** One round of the periodic work: heartbeat, wait timeouts, takeover of orphaned nodes. */
  async periodic(ctx: Ctx): Promise<void> {
    await this.#d.conductors.heartbeat(this.host, this.#now());
    await this.#membership.beat();
    await this.failTimedOutWaits(ctx);
    await this.takeOverOrphans(ctx);
  }

  /** One round of power-state sync over this conductor's nodes (its own, slower period, like Ironic's). */
  async syncPower(ctx: Ctx): Promise<void> {
    const mine = await this.#d.nodes.list({ conductor_group: this.#d.settings.conductorGroup });
    await syncPowerStates(
      ctx,
      this,
      mine.filter((n) => this.owns(n)),
    );
  }

  async failTimedOutWaits(ctx: Ctx): Promise<void> {
    const now = this.#now();
    for (const node of await this.#d.nodes.inStates([...WAIT_STATES], undefined, { driverInfo: false })) {
      if (!this.owns(node)) continue;
      const limit = this.#d.settings.waitTimeouts[node.provision_state];
      const since = node.provision_updated_at ? Date.parse(node.provision_updated_at) : 0;
      if (limit === undefined || node.maintenance || now - since < limit * 1000) continue;
      await this.#failUnderLease(
        ctx,
        node,
        node.provision_state,
        timeoutMessage(node.provision_state, limit),
      );
    }
  }

  /** Nodes in an action state (or reserved) with no live lease: their conductor died mid-operation. */
  async takeOverOrphans(ctx: Ctx): Promise<void> {
    const candidates = new Map<string, Node>();
    for (const n of await this.#d.nodes.inStates([...ACTION_STATES], undefined, { driverInfo: false }))
      candidates.set(n.uuid, n);
    for (const n of await this.#d.nodes.reserved()) candidates.set(n.uuid, n);
    for (const node of candidates.values()) {
      if (!this.owns(node)) continue;
      const lease = await this.#d.leases.get(nodeResource(node.uuid));
      if (lease && lease.expiresAt > this.#now()) continue; // someone is working on it
      const state = node.provision_state;
      const who = node.reservation ?? lease?.owner.split('/')[0] ?? 'unknown';
      const message = ACTION_STATES.has(state)
        ? `The conductor ${who} stopped while the node was ${state}; the operation was cut short. Taken over by ${this.host}.`
        : undefined;
      await this.#failUnderLease(ctx, node, state, message);
    }
  }

  async #failUnderLease(ctx: Ctx, node: Node, expected: ProvisionState, message: string | undefined) {
    try {
      await this.exclusive(ctx, node.uuid, 'takeover', null, async (task) => {
        if (task.node.provision_state !== expected) return; // it moved on meanwhile
        if (message === undefined || !failureOf(expected)) return; // only the stale reservation to clear
        ctx.log.warn({ node: node.uuid, state: expected }, message);
        await task.transition('fail', { lastError: message, change: (n) => (n.target_power_state = null) });
      });
    } catch (e) {
      if ((e as { type?: string }).type !== 'NodeLocked') throw e;
    }
  }
}

/** The platform's worker group of one conductor group's ring. */
export const ringGroup = (conductorGroup: string) => `baremetal-conductor:${conductorGroup}`;

function timeoutMessage(state: ProvisionState, seconds: number): string {
  switch (state) {
    case 'clean wait':
      return `Timeout reached while cleaning the node (${seconds} s). Please check if the ramdisk responded.`;
    case 'inspect wait':
      return `Timeout reached while inspecting the node (${seconds} s).`;
    case 'rescue wait':
      return `Timeout reached while waiting for the rescue ramdisk to come up (${seconds} s).`;
    default:
      return `Timeout reached while waiting for callback in state "${state}" (${seconds} s).`;
  }
}
