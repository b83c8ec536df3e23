// The only code that reads and writes bm_allocations, and the atomic pick of a node for one.

import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { duplicate } from '../model/errors.ts';
import type { Dict } from '../model/node.ts';

export interface Allocation {
  uuid: string;
  name: string | null;
  node_uuid: string | null;
  state: 'allocating' | 'active' | 'error';
  last_error: string | null;
  resource_class: string;
  traits: string[];
  candidate_nodes: string[];
  extra: Dict;
  owner: string | null;
  created_at: string;
  updated_at: string | null;
}

export class AllocationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async insert(a: Allocation, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run(
        'INSERT INTO bm_allocations (uuid, name, node_uuid, state, owner, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [a.uuid, a.name, a.node_uuid, a.state, a.owner, Date.parse(a.created_at), JSON.stringify(a)],
      );
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const msg = String((e as Error).message);
      if (msg.includes('name'))
        throw duplicate(`An allocation with name ${a.name} already exists.`, 'AllocationDuplicateName');
      if (msg.includes('node_uuid'))
        throw duplicate(`Node ${a.node_uuid} already has an allocation.`, 'NodeAssociated');
      throw duplicate(`An allocation with UUID ${a.uuid} already exists.`, 'AllocationAlreadyExists');
    }
  }

  async save(a: Allocation, q: Queryable = this.#db): Promise<void> {
    await q.run('UPDATE bm_allocations SET name = ?, node_uuid = ?, state = ?, doc = ? WHERE uuid = ?', [
      a.name,
      a.node_uuid,
      a.state,
      JSON.stringify(a),
      a.uuid,
    ]);
  }

  async get(uuid: string, q: Queryable = this.#db): Promise<Allocation | undefined> {
    const r = await q.get<{ doc: string }>('SELECT doc FROM bm_allocations WHERE uuid = ?', [
      uuid.toLowerCase(),
    ]);
    return r && (JSON.parse(r.doc) as Allocation);
  }

  async byName(name: string): Promise<Allocation | undefined> {
    const r = await this.#db.get<{ doc: string }>('SELECT doc FROM bm_allocations WHERE name = ?', [name]);
    return r && (JSON.parse(r.doc) as Allocation);
  }

  async list(): Promise<Allocation[]> {
    const rows = await this.#db.all<{ doc: string }>('SELECT doc FROM bm_allocations');
    return rows.map((r) => JSON.parse(r.doc) as Allocation);
  }

  async delete(uuid: string, q: Queryable = this.#db): Promise<boolean> {
    return (await q.run('DELETE FROM bm_allocations WHERE uuid = ?', [uuid])).changes === 1;
  }
}
