// Per-project quota limits over the defaults, usage counted from this service's own rows, and the check a
// create makes inside its transaction (so two racing creates cannot both pass the last free slot).
import type { Database, Queryable } from '../../platform/db/types.ts';
import { forbidden } from '../../platform/errors/catalogue.ts';
import { QUOTA_DEFAULTS } from '../model/quotas.ts';

export class QuotaStore {
  readonly #db: Database;
  readonly #defaults: Readonly<Record<string, number>>;

  constructor(db: Database, overrides: Readonly<Record<string, number>> = {}) {
    this.#db = db;
    this.#defaults = { ...QUOTA_DEFAULTS, ...overrides };
  }

  /** The defaults every project starts from: Nova's, the configured ones, then the "default" class. */
  async defaults(q: Queryable = this.#db): Promise<Record<string, number>> {
    return this.classLimits('default', q);
  }

  /** A quota class's limits; only "default" affects projects, as in Nova. */
  async classLimits(name: string, q: Queryable = this.#db): Promise<Record<string, number>> {
    const out = { ...this.#defaults };
    const rows = await q.all<{ resource: string; hard_limit: number }>(
      'SELECT resource, hard_limit FROM cmp_quota_classes WHERE class_name = ?',
      [name],
    );
    for (const r of rows) if (r.resource in out) out[r.resource] = Number(r.hard_limit);
    return out;
  }

  async setClass(name: string, limits: Record<string, number>): Promise<void> {
    await this.#db.tx(async (q) => {
      for (const [resource, limit] of Object.entries(limits)) {
        await q.run('DELETE FROM cmp_quota_classes WHERE class_name = ? AND resource = ?', [name, resource]);
        await q.run('INSERT INTO cmp_quota_classes (class_name, resource, hard_limit) VALUES (?, ?, ?)', [
          name,
          resource,
          limit,
        ]);
      }
    });
  }

  async limits(projectId: string, q: Queryable = this.#db): Promise<Record<string, number>> {
    const out = await this.defaults(q);
    const rows = await q.all<{ resource: string; hard_limit: number }>(
      'SELECT resource, hard_limit FROM cmp_quotas WHERE project_id = ?',
      [projectId],
    );
    for (const r of rows) if (r.resource in out) out[r.resource] = Number(r.hard_limit);
    return out;
  }

  async set(projectId: string, limits: Record<string, number>): Promise<void> {
    await this.#db.tx(async (q) => {
      for (const [resource, limit] of Object.entries(limits)) {
        await q.run('DELETE FROM cmp_quotas WHERE project_id = ? AND resource = ?', [projectId, resource]);
        await q.run('INSERT INTO cmp_quotas (project_id, resource, hard_limit) VALUES (?, ?, ?)', [
          projectId,
          resource,
          limit,
        ]);
      }
    });
  }

  /** Back to the defaults (DELETE /os-quota-sets/{id}). */
  async reset(projectId: string): Promise<void> {
    await this.#db.run('DELETE FROM cmp_quotas WHERE project_id = ?', [projectId]);
  }

  /** What a project uses, counted from this service's rows: servers (instances, their flavors' cores and
   * RAM), server groups; key pairs per user, as Nova counts them. */
  async usage(projectId: string, userId?: string, q: Queryable = this.#db): Promise<Record<string, number>> {
    const servers = await q.get<{ n: number; cores: number | null; ram: number | null }>(
      'SELECT COUNT(*) AS n, SUM(vcpus) AS cores, SUM(ram) AS ram FROM cmp_servers WHERE project_id = ?',
      [projectId],
    );
    const groups = await q.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM cmp_server_groups WHERE project_id = ?',
      [projectId],
    );
    const keys =
      userId === undefined
        ? { n: 0 }
        : await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM cmp_keypairs WHERE user_id = ?', [userId]);
    return {
      instances: Number(servers?.n ?? 0),
      cores: Number(servers?.cores ?? 0),
      ram: Number(servers?.ram ?? 0),
      server_groups: Number(groups?.n ?? 0),
      key_pairs: Number(keys?.n ?? 0),
    };
  }

  /** Refuses (403, as Nova) when adding `more` of a resource would pass the limit. Run inside the create's tx. */
  async check(q: Queryable, projectId: string, resource: string, used: number, more = 1): Promise<void> {
    const limit = (await this.limits(projectId, q))[resource];
    if (limit !== undefined && limit !== -1 && used + more > limit)
      throw forbidden(
        `Quota exceeded, too many ${resource.replace(/_/g, ' ')}. (limit ${limit}, used ${used})`,
        {
          details: { resource, limit, used },
        },
      );
  }
}
