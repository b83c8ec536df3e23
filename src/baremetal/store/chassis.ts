// The only code that reads and writes bm_chassis: a description and extra, grouping nodes.
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { Chassis } from '../model/chassis.ts';

export class ChassisStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async insert(c: Chassis): Promise<void> {
    await this.#db.run('INSERT INTO bm_chassis (uuid, created_at, doc) VALUES (?, ?, ?)', [
      c.uuid,
      Date.parse(c.created_at),
      JSON.stringify(c),
    ]);
  }

  async save(c: Chassis): Promise<void> {
    await this.#db.run('UPDATE bm_chassis SET doc = ? WHERE uuid = ?', [JSON.stringify(c), c.uuid]);
  }

  async get(uuid: string, q: Queryable = this.#db): Promise<Chassis | undefined> {
    const r = await q.get<{ doc: string }>('SELECT doc FROM bm_chassis WHERE uuid = ?', [uuid.toLowerCase()]);
    return r && (JSON.parse(r.doc) as Chassis);
  }

  async list(): Promise<Chassis[]> {
    return (await this.#db.all<{ doc: string }>('SELECT doc FROM bm_chassis')).map(
      (r) => JSON.parse(r.doc) as Chassis,
    );
  }

  async delete(uuid: string, q: Queryable = this.#db): Promise<boolean> {
    return (await q.run('DELETE FROM bm_chassis WHERE uuid = ?', [uuid])).changes === 1;
  }
}
