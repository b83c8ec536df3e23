// Work leases: a worker claims a resource (a node, a stack) with a conditional write naming itself and an
// expiry. It renews while it works; if it dies the lease expires and another worker takes the work over.
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
}

export interface ClaimResult {
  claimed: boolean;
  /** The owner whose expired lease was taken over, when there was one. */
  tookOverFrom?: string;
  /** The current holder when the claim failed. */
  heldBy?: Lease;
}

interface LeaseRow {
  resource: string;
  owner: string;
  purpose: string;
  acquired_at: number;
  expires_at: number;
}

const toLease = (r: LeaseRow): Lease => ({
  resource: r.resource,
  owner: r.owner,
  purpose: r.purpose,
  acquiredAt: r.acquired_at,
  expiresAt: r.expires_at,
});

export class Leases {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Claims a free, expired or already-owned lease. Never blocks. */
  claim(resource: string, owner: string, purpose: string, ttlMs: number): Promise<ClaimResult> {
    return this.#db.tx((q) => this.#claimIn(q, resource, owner, purpose, ttlMs));
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
    // The WHERE makes the write conditional: two claimers racing cannot both win.
    const { changes } = await q.run(
      `INSERT INTO leases (resource, owner, purpose, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, purpose = excluded.purpose,
         acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
       WHERE leases.expires_at <= ? OR leases.owner = excluded.owner`,
      [resource, owner, purpose, now, now + ttlMs, now],
    );
    if (changes === 1) {
      const tookOver = before && before.owner !== owner ? { tookOverFrom: before.owner } : {};
      return { claimed: true, ...tookOver };
    }
    const holder = await q.get<LeaseRow>('SELECT * FROM leases WHERE resource = ?', [resource]);
    return holder ? { claimed: false, heldBy: toLease(holder) } : { claimed: false };
  }

  /** Extends a lease this owner still holds; false when it was lost (expired and taken, or released). */
  async renew(resource: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const { changes } = await this.#db.run(
      'UPDATE leases SET expires_at = ? WHERE resource = ? AND owner = ? AND expires_at > ?',
      [now + ttlMs, resource, owner, now],
    );
    return changes === 1;
  }

  async release(resource: string, owner: string): Promise<boolean> {
    const { changes } = await this.#db.run('DELETE FROM leases WHERE resource = ? AND owner = ?', [
      resource,
      owner,
    ]);
    return changes === 1;
  }

  async get(resource: string): Promise<Lease | undefined> {
    const row = await this.#db.get<LeaseRow>('SELECT * FROM leases WHERE resource = ?', [resource]);
    return row ? toLease(row) : undefined;
  }

  /** Leases whose holders stopped renewing: the work a live worker should take over. */
  async expired(prefix: string): Promise<Lease[]> {
    const rows = await this.#db.all<LeaseRow>(
      'SELECT * FROM leases WHERE resource LIKE ? AND expires_at <= ? ORDER BY expires_at',
      [`${prefix}%`, this.#now()],
    );
    return rows.map(toLease);
  }

  /**
   * Runs fn while holding the lease, renewing it every third of its lifetime. If a renewal fails the
   * lease was lost: fn's signal aborts so it stops touching the resource. Throws CONFLICT when held.
   */
  async withLease<T>(
    ctx: Ctx,
    spec: { resource: string; owner: string; purpose: string; ttlMs: number },
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const result = await this.claim(spec.resource, spec.owner, spec.purpose, spec.ttlMs);
    if (!result.claimed) {
      throw conflict(`${spec.resource} is locked by ${result.heldBy?.owner ?? 'another worker'}`, {
        type: 'Locked',
        details: { resource: spec.resource, purpose: result.heldBy?.purpose ?? '' },
      });
    }
    if (result.tookOverFrom)
      ctx.log.warn({ resource: spec.resource, from: result.tookOverFrom }, 'took over lease');
    const lost = new AbortController();
    const stopRenewing = new AbortController();
    const renewing = (async () => {
      const every = Math.max(10, Math.floor(spec.ttlMs / 3));
      while (!stopRenewing.signal.aborted) {
        await sleep(every, undefined, { signal: stopRenewing.signal }).catch(() => undefined);
        if (stopRenewing.signal.aborted) return;
        if (!(await this.renew(spec.resource, spec.owner, spec.ttlMs).catch(() => false))) {
          lost.abort(new Error(`lease on ${spec.resource} lost`));
          return;
        }
      }
    })();
    try {
      return await fn(AbortSignal.any([ctx.signal, lost.signal]));
    } finally {
      stopRenewing.abort();
      await renewing;
      await this.release(spec.resource, spec.owner).catch(() => false);
    }
  }
}
