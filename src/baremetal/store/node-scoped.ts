// The filter ports and port groups share: by node, by MAC address, and limited to a project's nodes.
import type { Queryable, SqlValue } from '../../platform/db/types.ts';

export interface NodeScopedFilter {
  node_uuid?: string;
  address?: string;
  /** Only rows of these nodes (a project's own or leased nodes). */
  nodeUuids?: readonly string[];
}

/** The JSON documents of `table` matching `f` (none when `nodeUuids` is empty). */
export async function nodeScopedDocs<T>(q: Queryable, table: string, f: NodeScopedFilter): Promise<T[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.node_uuid !== undefined) {
    where.push('node_uuid = ?');
    params.push(f.node_uuid);
  }
  if (f.address !== undefined) {
    where.push('address = ?');
    params.push(f.address);
  }
  if (f.nodeUuids !== undefined) {
    if (f.nodeUuids.length === 0) return [];
    where.push(`node_uuid IN (${f.nodeUuids.map(() => '?').join(', ')})`);
    params.push(...f.nodeUuids);
  }
  const rows = await q.all<{ doc: string }>(
    `SELECT doc FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    params,
  );
  return rows.map((r) => JSON.parse(r.doc) as T);
}
