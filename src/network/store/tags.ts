// Tags of the taggable resources (the /tags sub-resources): each resource kind's table, its owner, and a
// tag change applied in one transaction (bumping the revision like any other update).
import type { Database } from '../../platform/db/types.ts';
import { json } from './common.ts';

/** The URL collections that carry tags. */
export type TaggableKind = 'networks' | 'subnets' | 'ports' | 'security-groups';

const TABLES: Record<TaggableKind, string> = {
  networks: 'net_networks',
  subnets: 'net_subnets',
  ports: 'net_ports',
  'security-groups': 'net_security_groups',
};

export function isTaggable(kind: string): kind is TaggableKind {
  return Object.hasOwn(TABLES, kind);
}

export class TagStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The project owning a resource, or undefined when there is no such resource. */
  async owner(kind: TaggableKind, id: string): Promise<string | undefined> {
    const row = await this.#db.get<{ project_id: string }>(
      `SELECT project_id FROM ${TABLES[kind]} WHERE id = ?`,
      [id],
    );
    return row?.project_id;
  }

  /** The resource's tags (sorted), or undefined when there is no such resource. */
  async get(kind: TaggableKind, id: string): Promise<string[] | undefined> {
    const row = await this.#db.get<{ tags: string }>(`SELECT tags FROM ${TABLES[kind]} WHERE id = ?`, [id]);
    return row ? json<string[]>(row.tags, []) : undefined;
  }

  /** Applies a change to the tags; the new (deduplicated, sorted) tags, or undefined when no such resource. */
  async change(
    kind: TaggableKind,
    id: string,
    change: (tags: string[]) => string[],
  ): Promise<string[] | undefined> {
    const table = TABLES[kind];
    return this.#db.tx(async (q) => {
      const row = await q.get<{ tags: string }>(`SELECT tags FROM ${table} WHERE id = ?`, [id]);
      if (!row) return undefined;
      const tags = [...new Set(change(json<string[]>(row.tags, [])))].sort();
      await q.run(
        `UPDATE ${table} SET tags = ?, revision_number = revision_number + 1, updated_at = ? WHERE id = ?`,
        [JSON.stringify(tags), Date.now(), id],
      );
      return tags;
    });
  }
}
