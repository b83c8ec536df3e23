// Server groups: the only code touching cmp_server_groups. Members are the servers naming the group.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/types.ts';
import { notFound } from '../../platform/errors/catalogue.ts';
import type { ServerGroupSpec } from '../model/server-group.ts';
import type { QuotaStore } from './quotas.ts';

export interface ServerGroup extends ServerGroupSpec {
  id: string;
  project_id: string;
  user_id: string;
  members: string[];
  created_at: number;
}

interface Row {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: string;
  rules: string;
  created_at: number;
}

const fromRow = (r: Row): ServerGroup => ({
  id: r.id,
  name: r.name,
  project_id: r.project_id,
  user_id: r.user_id,
  policy: r.policy,
  rules: JSON.parse(r.rules) as Record<string, number>,
  members: [],
  created_at: Number(r.created_at),
});

export const groupNotFound = (id: string) => notFound(`Instance group ${id} could not be found.`);

export class ServerGroupStore {
  readonly #db: Database;
  readonly #quotas: QuotaStore;

  constructor(db: Database, quotas: QuotaStore) {
    this.#db = db;
    this.#quotas = quotas;
  }

  async create(projectId: string, userId: string, spec: ServerGroupSpec): Promise<ServerGroup> {
    const row: Row = {
      id: randomUUID(),
      name: spec.name,
      project_id: projectId,
      user_id: userId,
      policy: spec.policy,
      rules: JSON.stringify(spec.rules),
      created_at: Date.now(),
    };
    await this.#db.tx(
      async (q) => {
        const used = (await this.#quotas.usage(projectId, undefined, q)).server_groups ?? 0;
        await this.#quotas.check(q, projectId, 'server_groups', used);
        await q.run(
          'INSERT INTO cmp_server_groups (id, name, project_id, user_id, policy, rules, created_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?)',
          [row.id, row.name, row.project_id, row.user_id, row.policy, row.rules, row.created_at],
        );
      },
      { serializable: true },
    );
    return fromRow(row);
  }

  async get(id: string): Promise<ServerGroup | undefined> {
    const r = await this.#db.get<Row>('SELECT * FROM cmp_server_groups WHERE id = ?', [id]);
    return r && this.#withMembers(fromRow(r));
  }

  /** The group's policy (the worker's anti-affinity check), undefined when the group is gone. */
  async policyOf(id: string): Promise<string | undefined> {
    const r = await this.#db.get<{ policy: string }>('SELECT policy FROM cmp_server_groups WHERE id = ?', [
      id,
    ]);
    return r?.policy;
  }

  async #withMembers(g: ServerGroup): Promise<ServerGroup> {
    const rows = await this.#db.all<{ id: string }>(
      'SELECT id FROM cmp_servers WHERE group_id = ? ORDER BY created_at, id',
      [g.id],
    );
    return { ...g, members: rows.map((r) => r.id) };
  }

  /** Groups of one project, or of all projects (undefined), oldest first. */
  async list(projectId: string | undefined): Promise<ServerGroup[]> {
    const rows =
      projectId === undefined
        ? await this.#db.all<Row>('SELECT * FROM cmp_server_groups ORDER BY created_at, id')
        : await this.#db.all<Row>(
            'SELECT * FROM cmp_server_groups WHERE project_id = ? ORDER BY created_at, id',
            [projectId],
          );
    return Promise.all(rows.map((r) => this.#withMembers(fromRow(r))));
  }

  async delete(id: string): Promise<void> {
    const { changes } = await this.#db.run('DELETE FROM cmp_server_groups WHERE id = ?', [id]);
    if (changes === 0) throw groupNotFound(id);
  }
}
