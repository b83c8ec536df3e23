// Per-project quota limits over the defaults, usage counts, and the check a create makes in its transaction.
import type { Database, Queryable } from '../../platform/db/types.ts';
import { overQuota } from '../model/errors.ts';
import { QUOTA_USAGE } from '../model/quotas.ts';

export class QuotaStore {
  readonly #db: Database;
  readonly #defaults: Readonly<Record<string, number>>;

  constructor(db: Database, defaults: Readonly<Record<string, number>>) {
    this.#db = db;
    this.#defaults = defaults;
  }

  defaults(): Record<string, number> {
    return { ...this.#defaults };
  }

  async limits(projectId: string, q: Queryable = this.#db): Promise<Record<string, number>> {
    const out = this.defaults();
    const rows = await q.all<{ resource: string; hard_limit: number }>(
      'SELECT resource, hard_limit FROM net_quotas WHERE project_id = ?',
      [projectId],
    );
    for (const r of rows) if (r.resource in out) out[r.resource] = Number(r.hard_limit);
    return out;
  }

  async set(projectId: string, limits: Record<string, number>): Promise<Record<string, number>> {
    await this.#db.tx(async (q) => {
      for (const [resource, limit] of Object.entries(limits)) {
        await q.run('DELETE FROM net_quotas WHERE project_id = ? AND resource = ?', [projectId, resource]);
        await q.run('INSERT INTO net_quotas (project_id, resource, hard_limit) VALUES (?, ?, ?)', [
          projectId,
          resource,
          limit,
        ]);
      }
    });
    return this.limits(projectId);
  }

  async reset(projectId: string): Promise<void> {
    await this.#db.run('DELETE FROM net_quotas WHERE project_id = ?', [projectId]);
  }

  /** Projects with limits of their own (GET /quotas lists them). */
  async projects(): Promise<string[]> {
    const rows = await this.#db.all<{ project_id: string }>(
      'SELECT DISTINCT project_id FROM net_quotas ORDER BY project_id',
    );
    return rows.map((r) => r.project_id);
  }

  async usage(projectId: string, q: Queryable = this.#db): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const resource of Object.keys(this.#defaults)) {
      const table = QUOTA_USAGE[resource];
      out[resource] = table ? await count(q, table, projectId) : 0;
    }
    return out;
  }

  /** Throws OverQuota when `adding` more of a resource would pass the project's limit. */
  async check(q: Queryable, projectId: string, resource: string, adding = 1): Promise<void> {
    const table = QUOTA_USAGE[resource];
    if (!table) return;
    const limit = (await this.limits(projectId, q))[resource] ?? -1;
    if (limit < 0) return;
    // Creates of one project and resource count and insert one at a time across processes (PostgreSQL);
    // SQLite transactions are exclusive already.
    if (this.#db.engine === 'postgres')
      await q.run('SELECT pg_advisory_xact_lock(?, ?)', [
        QUOTA_LOCK_SPACE,
        hash32(`${projectId}/${resource}`),
      ]);
    if ((await count(q, table, projectId)) + adding > limit) throw overQuota(resource);
  }
}

async function count(q: Queryable, table: string, projectId: string): Promise<number> {
  const row = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?`, [
    projectId,
  ]);
  return Number(row?.n ?? 0);
}

const QUOTA_LOCK_SPACE = 7_310_100; // advisory-lock key space of network quotas (see platform migrate lock)

/** A signed 32-bit FNV-1a hash: the second advisory-lock key. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
