// The server worker: a reconcile loop over server ids (woken by every change to a server row, resynced
// from the rows with work in progress, so a restarted process resumes every BUILD and delete). Each pass
// holds the server's lease and saves through the lease-fenced transaction: two workers (processes) never
// act on one server at once, and one that stalled past its lease cannot write over its successor.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Ctx } from '../../platform/context.ts';
import type { Database } from '../../platform/db/types.ts';
import { isAppError } from '../../platform/errors/catalogue.ts';
import { type Leases, type Outcome, Reconciler, requeueAfter, withTask } from '../../platform/work/index.ts';
import type { StepDeps } from './server-pass.ts';
import { step } from './server-steps.ts';

const LEASE_TTL_MS = 60_000;

export class ServerWorker {
  readonly #loop: Reconciler;
  readonly #owner = `compute:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  readonly leases: Leases;
  readonly deps: Omit<StepDeps, 'save'>;

  constructor(db: Database, leases: Leases, deps: Omit<StepDeps, 'save'>) {
    this.leases = leases;
    this.deps = deps;
    this.#loop = new Reconciler({
      name: 'servers',
      reconcile: (ctx, id) => this.#pass(ctx, id),
      concurrency: 8,
      backoff: { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 },
      resync: { everyMs: 30_000, keys: () => deps.servers.pendingIds() },
      wake: { db, channel: 'cmp_servers' },
    });
  }

  start(ctx: Ctx): Promise<void> {
    return this.#loop.start(ctx);
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  enqueue(id: string): void {
    this.#loop.enqueue(id);
  }

  async #pass(ctx: Ctx, id: string): Promise<Outcome> {
    const spec = { resource: `server:${id}`, owner: this.#owner, purpose: 'server', ttlMs: LEASE_TTL_MS };
    try {
      return await withTask(ctx, this.leases, spec, async (task) => {
        const s = await this.deps.servers.get(id);
        if (!s) return { kind: 'done' } as const;
        const taskCtx: Ctx = { log: ctx.log.child({ server: id }), signal: task.signal };
        return step(
          taskCtx,
          {
            ...this.deps,
            save: (server, also) =>
              task.tx(async (q) => {
                if (!(await this.deps.servers.save(server, q))) return false;
                await also?.(q);
                return true;
              }),
          },
          s,
        );
      });
    } catch (e) {
      // Another worker holds this server: it will finish the pass; look again later.
      if (isAppError(e) && e.type === 'Locked') return requeueAfter(1000);
      throw e;
    }
  }
}
