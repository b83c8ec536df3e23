// heat_events: every status change of a stack or resource, in the order written (seq), read with
// Heat's marker semantics.
import type { Database, Queryable, SqlValue } from '../../platform/db/types.ts';
import type { Raw } from './columns.ts';

export interface EventRow {
  seq: number;
  id: string;
  stackId: string;
  rootStackId: string;
  resourceName: string;
  physicalId: string;
  resourceType: string;
  action: string;
  status: string;
  reason: string;
  createdAt: number;
}

const toEvent = (r: Raw): EventRow => ({
  seq: Number(r.seq),
  id: r.id as string,
  stackId: r.stack_id as string,
  rootStackId: r.root_stack_id as string,
  resourceName: r.resource_name as string,
  physicalId: r.physical_id as string,
  resourceType: r.resource_type as string,
  action: r.action as string,
  status: r.status as string,
  reason: r.reason as string,
  createdAt: Number(r.created_at),
});

export class EventTable {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(q: Queryable, e: Omit<EventRow, 'seq'>): Promise<void> {
    await q.run(
      `INSERT INTO heat_events (id, stack_id, root_stack_id, resource_name, physical_id, resource_type, action, status,
         reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        e.id,
        e.stackId,
        e.rootStackId,
        e.resourceName,
        e.physicalId,
        e.resourceType,
        e.action,
        e.status,
        e.reason,
        e.createdAt,
      ],
    );
  }

  /** Events of some stacks, in time order, after (or before, descending) the marker's event. */
  async list(
    stackIds: string[],
    opts: { markerSeq?: number; limit?: number; desc?: boolean; resourceName?: string },
  ): Promise<EventRow[]> {
    if (stackIds.length === 0) return [];
    const where = [`stack_id IN (${stackIds.map(() => '?').join(', ')})`];
    const params: SqlValue[] = [...stackIds];
    if (opts.markerSeq !== undefined) {
      where.push(opts.desc ? 'seq < ?' : 'seq > ?');
      params.push(opts.markerSeq);
    }
    if (opts.resourceName !== undefined) {
      where.push('resource_name = ?');
      params.push(opts.resourceName);
    }
    const limit = opts.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(opts.limit))}`;
    const sql = `SELECT * FROM heat_events WHERE ${where.join(' AND ')} ORDER BY seq ${opts.desc ? 'DESC' : 'ASC'}${limit}`;
    return (await this.#db.all<Raw>(sql, params)).map(toEvent);
  }

  async get(id: string): Promise<EventRow | undefined> {
    const r = await this.#db.get<Raw>('SELECT * FROM heat_events WHERE id = ?', [id]);
    return r ? toEvent(r) : undefined;
  }
}
