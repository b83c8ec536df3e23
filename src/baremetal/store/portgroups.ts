// The only code that reads and writes bm_portgroups.
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { duplicate, invalid } from '../model/errors.ts';
import type { Portgroup } from '../model/portgroup.ts';
import { nodeScopedDocs } from './node-scoped.ts';

export interface PortgroupFilter {
  node_uuid?: string;
  address?: string;
  /** Only groups of these nodes (a project's own or leased nodes). */
  nodeUuids?: readonly string[];
}

export class PortgroupStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  #fail(e: unknown, pg: Portgroup): unknown {
    if (isUniqueViolation(e)) {
      const msg = String((e as Error).message);
      if (msg.includes('address'))
        return duplicate(
          `A port group with MAC address ${pg.address} already exists.`,
          'PortgroupMACAlreadyExists',
        );
      if (msg.includes('name'))
        return duplicate(`A port group with name ${pg.name} already exists.`, 'PortgroupDuplicateName');
      return duplicate(`A port group with UUID ${pg.uuid} already exists.`, 'PortgroupAlreadyExists');
    }
    if (isForeignKeyViolation(e)) return invalid(`Node ${pg.node_uuid} could not be found.`, 'NodeNotFound');
    return e;
  }

  async insert(pg: Portgroup, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run(
        'INSERT INTO bm_portgroups (uuid, name, address, node_uuid, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)',
        [pg.uuid, pg.name, pg.address, pg.node_uuid, Date.parse(pg.created_at), JSON.stringify(pg)],
      );
    } catch (e) {
      throw this.#fail(e, pg);
    }
  }

  async save(pg: Portgroup, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run('UPDATE bm_portgroups SET name = ?, address = ?, node_uuid = ?, doc = ? WHERE uuid = ?', [
        pg.name,
        pg.address,
        pg.node_uuid,
        JSON.stringify(pg),
        pg.uuid,
      ]);
    } catch (e) {
      throw this.#fail(e, pg);
    }
  }

  async get(uuid: string, q: Queryable = this.#db): Promise<Portgroup | undefined> {
    const r = await q.get<{ doc: string }>('SELECT doc FROM bm_portgroups WHERE uuid = ?', [
      uuid.toLowerCase(),
    ]);
    return r && (JSON.parse(r.doc) as Portgroup);
  }

  async byName(name: string, q: Queryable = this.#db): Promise<Portgroup | undefined> {
    const r = await q.get<{ doc: string }>('SELECT doc FROM bm_portgroups WHERE name = ?', [name]);
    return r && (JSON.parse(r.doc) as Portgroup);
  }

  async list(f: PortgroupFilter = {}, q: Queryable = this.#db): Promise<Portgroup[]> {
    const docs = await nodeScopedDocs<Portgroup>(q, 'bm_portgroups', f);
    return docs;
  }

  async delete(uuid: string, q: Queryable = this.#db): Promise<boolean> {
    return (await q.run('DELETE FROM bm_portgroups WHERE uuid = ?', [uuid])).changes === 1;
  }

  async deleteOfNode(nodeUuid: string, q: Queryable = this.#db): Promise<void> {
    await q.run('DELETE FROM bm_portgroups WHERE node_uuid = ?', [nodeUuid]);
  }
}
