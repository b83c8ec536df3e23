// What the network stores share: records as the API names their fields, JSON columns, timestamps,
// the per-network lock that serialises IPAM and MAC choice, and the change notice the DHCP agent hears.
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { Standard } from '../model/records.ts';

export const DHCP_CHANNEL = 'network_dhcp_changed';

export function json<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  return JSON.parse(text) as T;
}

export const bool = (v: unknown): boolean => v === 1 || v === true || v === '1';
export const int = (v: boolean): number => (v ? 1 : 0);

export function standardFrom(row: Record<string, unknown>): Standard {
  return {
    id: String(row.id),
    project_id: String(row.project_id),
    name: String(row.name),
    description: String(row.description),
    tags: json<string[]>(row.tags, []),
    revision_number: Number(row.revision_number),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/** Serialises writers on one network: row lock on PostgreSQL; SQLite transactions are already exclusive. */
export async function lockNetwork(db: Database, q: Queryable, networkId: string): Promise<boolean> {
  const sql =
    db.engine === 'postgres'
      ? 'SELECT id FROM net_networks WHERE id = ? FOR UPDATE'
      : 'SELECT id FROM net_networks WHERE id = ?';
  return (await q.get(sql, [networkId])) !== undefined;
}

/** Tells the DHCP agent (in this or another process) that a network's configuration changed. */
export async function announce(db: Database, networkId: string): Promise<void> {
  await db.notify(DHCP_CHANNEL, networkId).catch(() => undefined);
}
