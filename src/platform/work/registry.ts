// The worker registry: each worker process of a group (the bare metal conductors, the Heat engines) keeps a
// row alive with heartbeats; the live rows are the members of the group's hash ring. A worker that stops
// beating drops out of the ring after its TTL and its share of the keys moves to the others, who then take
// over the leases it left behind (orphans below): the consumer of Leases.expired.
import type { Ctx } from '../context.ts';
import type { Database } from '../db/types.ts';
import type { Lease, Leases } from './leases.ts';
import type { Periodic } from './reconcile.ts';
import { HashRing } from './ring.ts';
import { realTimers, type Timers } from './timers.ts';

export interface WorkerInfo {
  id: string;
  group: string;
  startedAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

interface WorkerRow {
  id: string;
  worker_group: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export class WorkerRegistry {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Joins the group, or comes back to it, alive for ttlMs. */
  async register(group: string, id: string, ttlMs: number): Promise<void> {
    const now = this.#now();
    await this.#db.run(
      `INSERT INTO workers (id, worker_group, started_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (worker_group, id) DO UPDATE SET started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
      [id, group, now, now, now + ttlMs],
    );
  }

  /** Stays alive for another ttlMs; false when the row is gone (deregistered): register again. */
  async heartbeat(group: string, id: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const { changes } = await this.#db.run(
      'UPDATE workers SET heartbeat_at = ?, expires_at = ? WHERE worker_group = ? AND id = ?',
      [now, now + ttlMs, group, id],
    );
    return changes === 1;
  }

  async deregister(group: string, id: string): Promise<void> {
    await this.#db.run('DELETE FROM workers WHERE worker_group = ? AND id = ?', [group, id]);
  }

  /** The group's workers whose heartbeat has not expired, by id. */
  async live(group: string): Promise<WorkerInfo[]> {
    const rows = await this.#db.all<WorkerRow>(
      'SELECT * FROM workers WHERE worker_group = ? AND expires_at > ? ORDER BY id',
      [group, this.#now()],
    );
    return rows.map((r) => ({
      id: r.id,
      group: r.worker_group,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      expiresAt: r.expires_at,
    }));
  }

  /** Forgets workers dead for longer than graceMs (their rows only; their leases are taken over). */
  async prune(group: string, graceMs: number): Promise<number> {
    const { changes } = await this.#db.run('DELETE FROM workers WHERE worker_group = ? AND expires_at <= ?', [
      group,
      this.#now() - graceMs,
    ]);
    return changes;
  }

  async ring(group: string, vnodes?: number): Promise<HashRing> {
    return new HashRing(
      (await this.live(group)).map((w) => w.id),
      vnodes === undefined ? {} : { vnodes },
    );
  }
}

/** Expired leases under prefix whose resource the ring gives to `me`: what this worker should take over. */
export async function orphans(leases: Leases, ring: HashRing, me: string, prefix: string): Promise<Lease[]> {
  return (await leases.expired(prefix)).filter((l) => ring.owner(l.resource) === me);
}

/**
 * One worker's membership: registers, beats every third of its TTL, keeps the current ring, leaves on
 * stop. `owns(key)` answers from the ring of the last beat.
 */
export class Membership {
  readonly #registry: WorkerRegistry;
  readonly #timers: Timers;
  readonly group: string;
  readonly id: string;
  readonly #ttlMs: number;
  #ring = new HashRing([]);
  #timer: unknown;
  #beating: Promise<void> | undefined;
  #stopped = false;
  #ctx: Ctx | undefined;

  constructor(o: { registry: WorkerRegistry; group: string; id: string; ttlMs: number; timers?: Timers }) {
    this.#registry = o.registry;
    this.group = o.group;
    this.id = o.id;
    this.#ttlMs = o.ttlMs;
    this.#timers = o.timers ?? realTimers;
  }

  async start(ctx: Ctx): Promise<void> {
    this.#ctx = ctx;
    await this.#registry.register(this.group, this.id, this.#ttlMs);
    await this.refresh();
    this.#schedule();
  }

  /** Heartbeats (re-registering if the row was removed) and reloads the ring. */
  async beat(): Promise<HashRing> {
    if (!(await this.#registry.heartbeat(this.group, this.id, this.#ttlMs)))
      await this.#registry.register(this.group, this.id, this.#ttlMs);
    return this.refresh();
  }

  async refresh(): Promise<HashRing> {
    this.#ring = await this.#registry.ring(this.group);
    return this.#ring;
  }

  ring(): HashRing {
    return this.#ring;
  }

  owns(key: string): boolean {
    return this.#ring.owner(key) === this.id;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timers.clearTimeout(this.#timer);
    await this.#beating;
    await this.#registry.deregister(this.group, this.id);
  }

  /**
   * A periodic task for a Reconciler: enqueue the resources under prefix whose holder died and that now
   * hash to this worker. Its reconcile then claims them (a claim of an expired lease takes it over).
   */
  takeover(prefix: string, everyMs: number, leases: Leases, enqueue: (resource: string) => void): Periodic {
    return {
      name: `takeover ${prefix}`,
      everyMs,
      run: async () => {
        for (const lease of await orphans(leases, this.#ring, this.id, prefix)) enqueue(lease.resource);
      },
    };
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#timers.setTimeout(
      () => {
        this.#beating = this.beat()
          .then(() => undefined)
          .catch((e) => this.#ctx?.log.error({ err: e, worker: this.id }, 'heartbeat failed'))
          .finally(() => this.#schedule());
      },
      Math.max(10, Math.floor(this.#ttlMs / 3)),
    );
  }
}
