// Flavors, their extra specs and their project access: the only code touching cmp_flavor* tables.
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { conflict, notFound } from '../../platform/errors/catalogue.ts';
import type { Flavor, FlavorSpec } from '../model/flavor.ts';

export interface FlavorFilter {
  /** true: public only; false: private only; undefined: both. */
  isPublic?: boolean;
  /** A non-admin caller's project: private flavors show only with access. */
  project?: string;
  minRam?: number;
  minDisk?: number;
}

interface FlavorRow {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  swap: number;
  ephemeral: number;
  rxtx_factor: number;
  disabled: number;
  is_public: number;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`);

export class FlavorStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(spec: FlavorSpec): Promise<Flavor> {
    const id = spec.id ?? randomUUID();
    const now = Date.now();
    try {
      await this.#db.tx(async (q) => {
        if (await q.get('SELECT id FROM cmp_flavors WHERE name = ?', [spec.name]))
          throw conflict(`Flavor with name ${spec.name} already exists.`);
        if (await q.get('SELECT id FROM cmp_flavors WHERE id = ?', [id]))
          throw conflict(`Flavor with ID ${id} already exists.`);
        await q.run(
          'INSERT INTO cmp_flavors (id, name, ram, vcpus, disk, swap, ephemeral, rxtx_factor, disabled, ' +
            'is_public, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)',
          [
            id,
            spec.name,
            spec.ram,
            spec.vcpus,
            spec.disk,
            spec.swap,
            spec.ephemeral,
            spec.rxtx_factor,
            spec.is_public ? 1 : 0,
            spec.description,
            now,
            now,
          ],
        );
      });
    } catch (e) {
      // Two creates racing past the checks: the UNIQUE constraints decide.
      if (isUniqueViolation(e)) throw conflict(`Flavor with name ${spec.name} or ID ${id} already exists.`);
      throw e;
    }
    return this.require(id);
  }

  async get(id: string, q: Queryable = this.#db): Promise<Flavor | undefined> {
    const row = await q.get<FlavorRow>('SELECT * FROM cmp_flavors WHERE id = ?', [id]);
    return row && this.#hydrate(row, await this.#specs(q, id));
  }

  async require(id: string): Promise<Flavor> {
    const f = await this.get(id);
    if (!f) throw flavorNotFound(id);
    return f;
  }

  /** Flavors in Nova's default order (by flavor id), filtered; paging is the caller's. */
  async list(filter: FlavorFilter): Promise<Flavor[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.isPublic !== undefined) {
      where.push('is_public = ?');
      params.push(filter.isPublic ? 1 : 0);
    }
    if (filter.project !== undefined) {
      where.push('(is_public = 1 OR id IN (SELECT flavor_id FROM cmp_flavor_projects WHERE project_id = ?))');
      params.push(filter.project);
    }
    if (filter.minRam !== undefined) {
      where.push('ram >= ?');
      params.push(filter.minRam);
    }
    if (filter.minDisk !== undefined) {
      where.push('disk >= ?');
      params.push(filter.minDisk);
    }
    const rows = await this.#db.all<FlavorRow>(
      `SELECT * FROM cmp_flavors${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    const specs = await this.#specs(this.#db);
    return rows.map((r) => this.#hydrate(r, specs));
  }

  async delete(id: string): Promise<void> {
    const { changes } = await this.#db.run('DELETE FROM cmp_flavors WHERE id = ?', [id]);
    if (changes === 0) throw flavorNotFound(id);
  }

  async setDescription(id: string, description: string | null): Promise<Flavor> {
    const { changes } = await this.#db.run(
      'UPDATE cmp_flavors SET description = ?, updated_at = ? WHERE id = ?',
      [description, Date.now(), id],
    );
    if (changes === 0) throw flavorNotFound(id);
    return this.require(id);
  }

  /** Adds or replaces extra specs; returns all of the flavor's specs. */
  async setSpecs(id: string, specs: Record<string, string>): Promise<Record<string, string>> {
    return this.#db.tx(async (q) => {
      if (!(await q.get('SELECT id FROM cmp_flavors WHERE id = ?', [id]))) throw flavorNotFound(id);
      for (const [k, v] of Object.entries(specs)) {
        await q.run('DELETE FROM cmp_flavor_extra_specs WHERE flavor_id = ? AND spec_key = ?', [id, k]);
        await q.run('INSERT INTO cmp_flavor_extra_specs (flavor_id, spec_key, spec_value) VALUES (?, ?, ?)', [
          id,
          k,
          v,
        ]);
      }
      await q.run('UPDATE cmp_flavors SET updated_at = ? WHERE id = ?', [Date.now(), id]);
      return (await this.#specs(q, id)).get(id) ?? {};
    });
  }

  async deleteSpec(id: string, key: string): Promise<void> {
    const { changes } = await this.#db.run(
      'DELETE FROM cmp_flavor_extra_specs WHERE flavor_id = ? AND spec_key = ?',
      [id, key],
    );
    if (changes === 0) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
  }

  async access(id: string): Promise<string[]> {
    const rows = await this.#db.all<{ project_id: string }>(
      'SELECT project_id FROM cmp_flavor_projects WHERE flavor_id = ? ORDER BY project_id',
      [id],
    );
    return rows.map((r) => r.project_id);
  }

  async addAccess(id: string, project: string): Promise<void> {
    try {
      await this.#db.run('INSERT INTO cmp_flavor_projects (flavor_id, project_id) VALUES (?, ?)', [
        id,
        project,
      ]);
    } catch (e) {
      if (isUniqueViolation(e))
        throw conflict(`Flavor access already exists for flavor ${id} and project ${project} combination.`);
      throw e;
    }
  }

  async removeAccess(id: string, project: string): Promise<void> {
    const { changes } = await this.#db.run(
      'DELETE FROM cmp_flavor_projects WHERE flavor_id = ? AND project_id = ?',
      [id, project],
    );
    if (changes === 0) throw notFound(`Flavor access not found for ${id} / ${project} combination.`);
  }

  async #specs(q: Queryable, id?: string): Promise<Map<string, Record<string, string>>> {
    const rows = id
      ? await q.all<{ flavor_id: string; spec_key: string; spec_value: string }>(
          'SELECT * FROM cmp_flavor_extra_specs WHERE flavor_id = ? ORDER BY spec_key',
          [id],
        )
      : await q.all<{ flavor_id: string; spec_key: string; spec_value: string }>(
          'SELECT * FROM cmp_flavor_extra_specs ORDER BY flavor_id, spec_key',
        );
    const out = new Map<string, Record<string, string>>();
    for (const r of rows) {
      const m = out.get(r.flavor_id) ?? {};
      m[r.spec_key] = r.spec_value;
      out.set(r.flavor_id, m);
    }
    return out;
  }

  #hydrate(r: FlavorRow, specs: Map<string, Record<string, string>>): Flavor {
    return {
      id: r.id,
      name: r.name,
      ram: Number(r.ram),
      vcpus: Number(r.vcpus),
      disk: Number(r.disk),
      swap: Number(r.swap),
      ephemeral: Number(r.ephemeral),
      rxtx_factor: Number(r.rxtx_factor),
      disabled: Number(r.disabled) === 1,
      is_public: Number(r.is_public) === 1,
      description: r.description,
      extra_specs: specs.get(r.id) ?? {},
      created_at: Number(r.created_at),
      updated_at: Number(r.updated_at),
    };
  }
}
