// heat_resources: one row per resource of a stack, with its status, physical id, attributes and sealed
// resolved properties and private data.
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { JsonMap } from '../model/template-format.ts';
import { j, n, type Raw, type Sealing } from './columns.ts';

export interface ResourceRow {
  stackId: string;
  name: string;
  id: string;
  type: string;
  action: string;
  status: string;
  statusReason: string;
  physicalId: string | null;
  properties: JsonMap;
  metadata: JsonMap;
  attributes: JsonMap;
  /** The plugin's private data (e.g. a random string's value). */
  data: JsonMap;
  nestedId: string | null;
  createdAt: number;
  updatedAt: number | null;
}

const toResource = (r: Raw, open: Sealing['open']): ResourceRow => ({
  stackId: r.stack_id as string,
  name: r.name as string,
  id: r.id as string,
  type: r.type as string,
  action: r.action as string,
  status: r.status as string,
  statusReason: r.status_reason as string,
  physicalId: (r.physical_id as string | null) ?? null,
  properties: j(open(r.properties, `orchestration:resource:${r.stack_id}:${r.name}:properties`), {}),
  metadata: j(open(r.metadata, `orchestration:resource:${r.stack_id}:${r.name}:metadata`), {}),
  attributes: j(r.attributes, {}),
  data: j(open(r.data, `orchestration:resource:${r.stack_id}:${r.name}:data`), {}),
  nestedId: (r.nested_id as string | null) ?? null,
  createdAt: Number(r.created_at),
  updatedAt: n(r.updated_at),
});

export class ResourceTable {
  readonly #db: Database;
  readonly #s: Sealing;

  constructor(db: Database, s: Sealing) {
    this.#db = db;
    this.#s = s;
  }

  async upsert(q: Queryable, r: ResourceRow): Promise<void> {
    await q.run(
      `INSERT INTO heat_resources (stack_id, name, id, type, action, status, status_reason, physical_id, properties,
         metadata, attributes, data, nested_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stack_id, name) DO UPDATE SET id = excluded.id, type = excluded.type, action = excluded.action,
         status = excluded.status, status_reason = excluded.status_reason, physical_id = excluded.physical_id,
         properties = excluded.properties, metadata = excluded.metadata, attributes = excluded.attributes,
         data = excluded.data, nested_id = excluded.nested_id, updated_at = excluded.updated_at`,
      [
        r.stackId,
        r.name,
        r.id,
        r.type,
        r.action,
        r.status,
        r.statusReason,
        r.physicalId,
        // Resolved properties carry hidden parameters' values (an OS::Keystone::User password …).
        Object.keys(r.properties).length === 0
          ? '{}'
          : this.#s.seal(
              JSON.stringify(r.properties),
              `orchestration:resource:${r.stackId}:${r.name}:properties`,
            ),
        // Metadata may carry credentials (the era's os-collect-config blocks): sealed like private data.
        Object.keys(r.metadata).length === 0
          ? '{}'
          : this.#s.seal(
              JSON.stringify(r.metadata),
              `orchestration:resource:${r.stackId}:${r.name}:metadata`,
            ),
        JSON.stringify(r.attributes),
        Object.keys(r.data).length === 0
          ? '{}'
          : this.#s.seal(JSON.stringify(r.data), `orchestration:resource:${r.stackId}:${r.name}:data`),
        r.nestedId,
        r.createdAt,
        r.updatedAt,
      ],
    );
  }

  async delete(q: Queryable, stackId: string, name: string): Promise<void> {
    await q.run('DELETE FROM heat_resources WHERE stack_id = ? AND name = ?', [stackId, name]);
  }

  async list(stackId: string, q: Queryable = this.#db): Promise<ResourceRow[]> {
    return (
      await q.all<Raw>('SELECT * FROM heat_resources WHERE stack_id = ? ORDER BY created_at, name', [stackId])
    ).map((r) => toResource(r, this.#s.open));
  }

  async get(stackId: string, name: string): Promise<ResourceRow | undefined> {
    const r = await this.#db.get<Raw>('SELECT * FROM heat_resources WHERE stack_id = ? AND name = ?', [
      stackId,
      name,
    ]);
    return r ? toResource(r, this.#s.open) : undefined;
  }

  async failInProgress(q: Queryable, stackId: string, reason: string, now: number): Promise<ResourceRow[]> {
    const rows = (
      await q.all<Raw>("SELECT * FROM heat_resources WHERE stack_id = ? AND status = 'IN_PROGRESS'", [
        stackId,
      ])
    ).map((r) => toResource(r, this.#s.open));
    await q.run(
      "UPDATE heat_resources SET status = 'FAILED', status_reason = ?, updated_at = ? WHERE stack_id = ? AND status = 'IN_PROGRESS'",
      [reason, now, stackId],
    );
    return rows;
  }
}
