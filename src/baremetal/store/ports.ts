// The only code that reads and writes bm_ports.
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { duplicate, nodeNotFound } from '../model/errors.ts';
import type { Port } from '../model/port.ts';
import { nodeScopedDocs } from './node-scoped.ts';

export interface PortFilter {
  node_uuid?: string;
  address?: string;
  portgroup_uuid?: string;
  /** Only ports of nodes owned or leased by this project. */
  nodeUuids?: readonly string[];
}

export class PortStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  #fail(e: unknown, p: Port): unknown {
    if (isUniqueViolation(e))
      return String((e as Error).message).includes('address')
        ? duplicate(`A port with MAC address ${p.address} already exists.`, 'MACAlreadyExists')
        : duplicate(`A port with UUID ${p.uuid} already exists.`, 'PortAlreadyExists');
    if (isForeignKeyViolation(e)) return nodeNotFound(p.node_uuid);
    return e;
  }

  async insert(p: Port, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run('INSERT INTO bm_ports (uuid, address, node_uuid, created_at, doc) VALUES (?, ?, ?, ?, ?)', [
        p.uuid,
        p.address,
        p.node_uuid,
        Date.parse(p.created_at),
        JSON.stringify(p),
      ]);
    } catch (e) {
      throw this.#fail(e, p);
    }
  }

  async save(p: Port, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run('UPDATE bm_ports SET address = ?, node_uuid = ?, doc = ? WHERE uuid = ?', [
        p.address,
        p.node_uuid,
        JSON.stringify(p),
        p.uuid,
      ]);
    } catch (e) {
      throw this.#fail(e, p);
    }
  }

  async get(uuid: string, q: Queryable = this.#db): Promise<Port | undefined> {
    const r = await q.get<{ doc: string }>('SELECT doc FROM bm_ports WHERE uuid = ?', [uuid.toLowerCase()]);
    return r && (JSON.parse(r.doc) as Port);
  }

  async list(f: PortFilter = {}, q: Queryable = this.#db): Promise<Port[]> {
    const docs = await nodeScopedDocs<Port>(q, 'bm_ports', f);
    const ports = docs;
    return f.portgroup_uuid === undefined
      ? ports
      : ports.filter((p) => p.portgroup_uuid === f.portgroup_uuid);
  }

  async delete(uuid: string, q: Queryable = this.#db): Promise<boolean> {
    return (await q.run('DELETE FROM bm_ports WHERE uuid = ?', [uuid])).changes === 1;
  }

  async deleteOfNode(nodeUuid: string, q: Queryable = this.#db): Promise<void> {
    await q.run('DELETE FROM bm_ports WHERE node_uuid = ?', [nodeUuid]);
  }
}
