// heat_software_configs: the configs of `openstack software config` and of OS::Heat::SoftwareConfig.
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { Json, JsonMap } from '../model/template-format.ts';
import { j, type Raw } from './columns.ts';

export interface SoftwareConfigRow {
  id: string;
  projectId: string;
  name: string;
  group: string;
  config: string;
  inputs: Json[];
  outputs: Json[];
  options: JsonMap;
  createdAt: number;
}

const toConfig = (r: Raw): SoftwareConfigRow => ({
  id: r.id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  group: r.grp as string,
  config: r.config as string,
  inputs: j(r.inputs, []),
  outputs: j(r.outputs, []),
  options: j(r.options, {}),
  createdAt: Number(r.created_at),
});

export class SoftwareConfigTable {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async insert(q: Queryable, c: SoftwareConfigRow): Promise<void> {
    await q.run(
      `INSERT INTO heat_software_configs (id, project_id, name, grp, config, inputs, outputs, options, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.id,
        c.projectId,
        c.name,
        c.group,
        c.config,
        JSON.stringify(c.inputs),
        JSON.stringify(c.outputs),
        JSON.stringify(c.options),
        c.createdAt,
      ],
    );
  }

  async get(id: string): Promise<SoftwareConfigRow | undefined> {
    const r = await this.#db.get<Raw>('SELECT * FROM heat_software_configs WHERE id = ?', [id]);
    return r ? toConfig(r) : undefined;
  }

  async list(projectId: string | undefined, limit?: number): Promise<SoftwareConfigRow[]> {
    const lim = limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`;
    const rows =
      projectId === undefined
        ? await this.#db.all<Raw>(`SELECT * FROM heat_software_configs ORDER BY created_at, id${lim}`)
        : await this.#db.all<Raw>(
            `SELECT * FROM heat_software_configs WHERE project_id = ? ORDER BY created_at, id${lim}`,
            [projectId],
          );
    return rows.map(toConfig);
  }

  async delete(q: Queryable, id: string): Promise<boolean> {
    return (await q.run('DELETE FROM heat_software_configs WHERE id = ?', [id])).changes === 1;
  }
}
