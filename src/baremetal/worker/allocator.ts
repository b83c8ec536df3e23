// Allocations are made as Ironic makes them: the API records one in `allocating` and answers 201, and this
// loop (on the platform's work runtime) picks an available node matching resource class, traits and
// candidates and claims it atomically (the node row is locked while it is checked and claimed), or ends
// the allocation in `error` with last_error when none matches. A restart finds every allocation still
// `allocating` through the resync.
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import { done, type Outcome, Reconciler } from '../../platform/work/reconcile.ts';
import type { AllocationStore } from '../store/allocations.ts';
import type { NodeStore } from '../store/nodes.ts';

export interface AllocatorDeps {
  db: Database;
  nodes: NodeStore;
  allocations: AllocationStore;
  /** How often allocations left `allocating` are looked for (ms). */
  resyncMs: number;
}

export class Allocator {
  readonly #d: AllocatorDeps;
  #loop: Reconciler | undefined;

  constructor(d: AllocatorDeps) {
    this.#d = d;
  }

  async start(ctx: Ctx): Promise<void> {
    this.#loop = new Reconciler({
      name: 'baremetal-allocations',
      reconcile: (_c, uuid) => this.#allocate(uuid),
      resync: {
        everyMs: this.#d.resyncMs,
        keys: async () =>
          (await this.#d.allocations.list()).filter((a) => a.state === 'allocating').map((a) => a.uuid),
      },
    });
    await this.#loop.start(ctx);
  }

  async stop(): Promise<void> {
    await this.#loop?.stop();
  }

  /** Asks for the allocation to be made (after it was recorded in `allocating`). */
  enqueue(uuid: string): void {
    this.#loop?.enqueue(uuid);
  }

  async #allocate(uuid: string): Promise<Outcome> {
    const { db, nodes, allocations } = this.#d;
    await db.tx(async (q) => {
      const a = await allocations.get(uuid, q);
      if (a?.state !== 'allocating') return;
      const candidates = new Set(a.candidate_nodes);
      const pool = (
        await nodes.list(
          {
            provision_state: 'available',
            maintenance: false,
            resource_class: a.resource_class,
            associated: false,
          },
          q,
        )
      )
        .filter((n) => n.allocation_uuid === null && n.reservation === null)
        .filter((n) => a.traits.every((t) => n.traits.includes(t)))
        .filter((n) => candidates.size === 0 || candidates.has(n.uuid))
        .filter((n) => a.owner === null || n.owner === a.owner || n.lessee === a.owner);
      const now = new Date().toISOString();
      for (const candidate of pool) {
        const n = await nodes.get(candidate.uuid, q, true);
        if (!n || n.allocation_uuid !== null || n.instance_uuid !== null || n.reservation !== null) continue;
        n.allocation_uuid = a.uuid;
        n.instance_uuid = a.uuid;
        n.updated_at = now;
        await nodes.save(n, q);
        a.node_uuid = n.uuid;
        a.state = 'active';
        break;
      }
      if (a.node_uuid === null) {
        a.state = 'error';
        a.last_error =
          `No available nodes match the resource class ${a.resource_class}` +
          (a.traits.length ? ` and traits ${a.traits.join(', ')}` : '') +
          (candidates.size ? ' among the candidate nodes' : '');
      }
      a.updated_at = now;
      await allocations.save(a, q);
    });
    return done();
  }

  /** Waits until every allocation asked for so far has been made (tests). */
  async idle(): Promise<void> {
    await this.#loop?.idle();
  }
}
