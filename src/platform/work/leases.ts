// Work leases: a worker claims a resource (a node, a stack) with a conditional write naming itself and an
// expiry. It renews while it works; if it dies the lease expires and another worker takes the work over.
// Each lease carries a generation, the fencing token a task's writes are checked against (see task.ts).
// A released lease keeps its row (owner '', expired) so the generation never goes back.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../context.ts';
import type { Database, Queryable } from '../db/types.ts';
import { conflict } from '../errors/catalogue.ts';

export interface Lease {
  resource: string;
  owner: string;
  purpose: string;
  acquiredAt: number;
  expiresAt: number;
  generation: number;
}

export interface ClaimResult {
  claimed: boolean;
  /** The lease's generation after a successful claim: the fencing token of this holding. */
  generation?: number;
  /** The owner whose expired lease was taken over, when there was one. */
  tookOverFrom?: string;
  /** The current holder when the claim failed. */
  heldBy?: Lease;
}

export interface LeaseSpec {
  resource: string;
  owner: string;
  purpose: string;
  ttlMs: number;
}

interface LeaseRow {
  resource: string;
  owner: string;
  purpose: string;
  acquired_at: number;
  expires_at: number;
  generation: number;
}

const toLease = (r: LeaseRow): Lease => ({
  resource: r.resource,
  owner: r.owner,
  purpose: r.purpose,
  acquiredAt: r.acquired_at,
  expiresAt: r.expires_at,
  generation: Number(r.generation),
});

/** The owner of a released lease: no worker is ever named this. */
const RELEASED = '';

export class Leases {
  readonly db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.db = db;
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  /** Claims a free, expired or already-owned lease. Never blocks. */
  claim(resource: string, owner: string, purpose: string, ttlMs: number): Promise<ClaimResult> {
    if (owner === RELEASED) throw new Error('a lease owner must be named');
    return this.db.tx((q) => this.#claimIn(q, resource, owner, purpose, ttlMs));
  }

  async #claimIn(
    q: Queryable,
    resource: string,
    owner: string,
    purpose: string,
    ttlMs: number,
  ): Promise<ClaimResult> {
    const now = this.#now();
    const before = await q.get<LeaseRow>('SELECT * FROM leases WHERE resource = ?', [resource]);
    // The WHERE makes the write conditional: two claimers racing cannot both win. The generation stays
    // only when the owner renews a lease it holds live; any other claim starts a new holding.
    const { changes } = await q.run(
      `INSERT INTO leases (resource, owner, purpose, acquired_at, expires_at, generation)
       VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, purpose = excluded.purpose,
         acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
         generation = CASE WHEN leases.owner = excluded.owner AND leases.expires_at > ?
           THEN leases.generation ELSE leases.generation + 1 END
       WHERE leases.expires_at <= ? OR leases.owner = excluded.owner`,
      [resource, owner, purpose, now, now + ttlMs, now, now],
    );
    const after = await q.get<LeaseRow>('SELECT * FROM leases WHERE resource = ?', [resource]);
    if (changes === 1 && after) {
      const tookOver =
        before && before.owner !== owner && before.owner !== RELEASED ? { tookOverFrom: before.owner } : {};
      return { claimed: true, generation: Number(after.generation), ...tookOver };
    }
    return after && after.owner !== RELEASED
      ? { claimed: false, heldBy: toLease(after) }
      : { claimed: false };
  }

  /**
   * Extends a lease this owner still holds; false when it was lost (expired and taken, or released).
   * With a generation, only that holding is extended.
   */
  async renew(resource: string, owner: string, ttlMs: number, generation?: number): Promise<boolean> {
    const now = this.#now();
    const { changes } = await this.db.run(
      `UPDATE leases SET expires_at = ? WHERE resource = ? AND owner = ? AND expires_at > ?${fence(generation)}`,
      [now + ttlMs, resource, owner, now, ...(generation === undefined ? [] : [generation])],
    );
    return changes === 1;
  }

  /** Gives the lease up. With a generation, only that holding is released (not a later one by the same owner). */
  async release(resource: string, owner: string, generation?: number): Promise<boolean> {
    if (owner === RELEASED) return false;
    const { changes } = await this.db.run(
      `UPDATE leases SET owner = ?, purpose = '', expires_at = 0 WHERE resource = ? AND owner = ?${fence(generation)}`,
      [RELEASED, resource, owner, ...(generation === undefined ? [] : [generation])],
    );
    return changes === 1;
  }

  /** The current holding of a resource, live or expired; undefined when free. */
  async get(resource: string): Promise<Lease | undefined> {
    const row = await this.db.get<LeaseRow>('SELECT * FROM leases WHERE resource = ? AND owner <> ?', [
      resource,
      RELEASED,
    ]);
    return row ? toLease(row) : undefined;
  }

  /** Leases whose holders stopped renewing: the work a live worker should take over. */
  async expired(prefix: string): Promise<Lease[]> {
    const rows = await this.db.all<LeaseRow>(
      `SELECT * FROM leases WHERE resource LIKE ? ESCAPE '\\' AND expires_at <= ? AND owner <> ?
       ORDER BY expires_at, resource`,
      [`${likePrefix(prefix)}%`, this.#now(), RELEASED],
    );
    return rows.map(toLease);
  }

  /**
   * Checks, inside transaction q, that this holding is still live, and locks its row until q commits so
   * no claim can take the lease over in the meantime. False when the lease was lost.
   */
  async holds(q: Queryable, resource: string, owner: string, generation: number): Promise<boolean> {
    const { changes } = await q.run(
      `UPDATE leases SET expires_at = expires_at
       WHERE resource = ? AND owner = ? AND generation = ? AND expires_at > ?`,
      [resource, owner, generation, this.#now()],
    );
    return changes === 1;
  }

  /**
   * Runs fn while holding the lease, renewing it every third of its lifetime. If a renewal fails the
   * lease was lost: fn's signal aborts so it stops touching the resource. Throws CONFLICT when held.
   */
  async withLease<T>(ctx: Ctx, spec: LeaseSpec, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.hold(ctx, spec, (held) => fn(held.signal));
  }

  /**
   * The mechanism under withLease and withTask: claim (CONFLICT "Locked" when held), renew every third
   * of the lifetime, abort on loss, always release this holding at the end.
   */
  async hold<T>(
    ctx: Ctx,
    spec: LeaseSpec,
    fn: (held: { generation: number; signal: AbortSignal; lose: (reason: Error) => void }) => Promise<T>,
  ): Promise<T> {
    const result = await this.claim(spec.resource, spec.owner, spec.purpose, spec.ttlMs);
    if (!result.claimed || result.generation === undefined) {
      throw conflict(`${spec.resource} is locked by ${result.heldBy?.owner ?? 'another worker'}`, {
        type: 'Locked',
        details: { resource: spec.resource, purpose: result.heldBy?.purpose ?? '' },
      });
    }
    const generation = result.generation;
    if (result.tookOverFrom)
      ctx.log.warn({ resource: spec.resource, from: result.tookOverFrom }, 'took over lease');
    const lost = new AbortController();
    const stopRenewing = new AbortController();
    const lose = (reason: Error) => {
      if (!lost.signal.aborted) lost.abort(reason);
    };
    const renewing = (async () => {
      const every = Math.max(10, Math.floor(spec.ttlMs / 3));
      const stop = AbortSignal.any([stopRenewing.signal, lost.signal]);
      while (!stop.aborted) {
        await sleep(every, undefined, { signal: stop }).catch(() => undefined);
        if (stop.aborted) return;
        if (!(await this.renew(spec.resource, spec.owner, spec.ttlMs, generation).catch(() => false))) {
          lose(new Error(`lease on ${spec.resource} lost`));
          return;
        }
      }
    })();
    try {
      return await fn({ generation, signal: AbortSignal.any([ctx.signal, lost.signal]), lose });
    } finally {
      stopRenewing.abort();
      await renewing;
      await this.release(spec.resource, spec.owner, generation).catch(() => false);
    }
  }
}

const fence = (generation: number | undefined) => (generation === undefined ? '' : ' AND generation = ?');

/** LIKE treats % and _ as wildcards; a prefix is literal. */
const likePrefix = (prefix: string) => prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
