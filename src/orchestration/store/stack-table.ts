// heat_stacks: one row per stack (nested ones too), its template, sealed parameters and environment, and
// its status. Writes take a Queryable so the engine can batch them in one transaction.
import type { Database, Queryable, SqlValue } from '../../platform/db/types.ts';
import type { JsonMap } from '../model/template-format.ts';
import { j, n, type Raw, type Sealing } from './columns.ts';

export interface StackRow {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  parentId: string | null;
  parentResource: string | null;
  rootId: string;
  action: string;
  status: string;
  statusReason: string;
  template: JsonMap;
  /** { environment, params (resolved values) } and what else the engine needs to run the stack. */
  environment: JsonMap;
  files: Record<string, string>;
  params: JsonMap;
  /** The previous definition, kept for rollback of an update. */
  prev: JsonMap | null;
  disableRollback: boolean;
  timeoutMins: number | null;
  tags: string[];
  createdAt: number;
  updatedAt: number | null;
  deletedAt: number | null;
}

export interface StackFilter {
  projectId?: string;
  name?: string[];
  status?: string[];
  action?: string[];
  id?: string[];
  showDeleted?: boolean;
  showNested?: boolean;
}

const toStack = (r: Raw, open: Sealing['open']): StackRow => ({
  id: r.id as string,
  name: r.name as string,
  projectId: r.project_id as string,
  userId: r.user_id as string,
  parentId: (r.parent_id as string | null) ?? null,
  parentResource: (r.parent_resource as string | null) ?? null,
  rootId: r.root_id as string,
  action: r.action as string,
  status: r.status as string,
  statusReason: r.status_reason as string,
  template: j(r.template, {}),
  environment: j(open(r.environment, `orchestration:stack:${r.id}:environment`), {}),
  files: j(r.files, {}),
  params: j(open(r.params, `orchestration:stack:${r.id}:params`), {}),
  prev: j(open(r.prev, `orchestration:stack:${r.id}:prev`), null),
  disableRollback: Number(r.disable_rollback) === 1,
  timeoutMins: n(r.timeout_mins),
  tags: j(r.tags, []),
  createdAt: Number(r.created_at),
  updatedAt: n(r.updated_at),
  deletedAt: n(r.deleted_at),
});

const STACK_COLUMNS = [
  'id',
  'name',
  'project_id',
  'user_id',
  'parent_id',
  'parent_resource',
  'root_id',
  'action',
  'status',
  'status_reason',
  'template',
  'environment',
  'files',
  'params',
  'prev',
  'disable_rollback',
  'timeout_mins',
  'tags',
  'created_at',
  'updated_at',
  'deleted_at',
];

function stackValues(s: StackRow, seal: Sealing['seal']): SqlValue[] {
  return [
    s.id,
    s.name,
    s.projectId,
    s.userId,
    s.parentId,
    s.parentResource,
    s.rootId,
    s.action,
    s.status,
    s.statusReason,
    JSON.stringify(s.template),
    seal(JSON.stringify(s.environment), `orchestration:stack:${s.id}:environment`),
    JSON.stringify(s.files),
    seal(JSON.stringify(s.params), `orchestration:stack:${s.id}:params`),
    s.prev === null ? null : seal(JSON.stringify(s.prev), `orchestration:stack:${s.id}:prev`),
    s.disableRollback ? 1 : 0,
    s.timeoutMins,
    JSON.stringify(s.tags),
    s.createdAt,
    s.updatedAt,
    s.deletedAt,
  ];
}

export class StackTable {
  readonly #db: Database;
  readonly #s: Sealing;

  constructor(db: Database, s: Sealing) {
    this.#db = db;
    this.#s = s;
  }

  async insert(q: Queryable, s: StackRow): Promise<void> {
    await q.run(
      `INSERT INTO heat_stacks (${STACK_COLUMNS.join(', ')}) VALUES (${STACK_COLUMNS.map(() => '?').join(', ')})`,
      stackValues(s, this.#s.seal),
    );
  }

  /** Rewrites every column of a stack row (the engine holds the stack's lease while it does). */
  async save(q: Queryable, s: StackRow): Promise<void> {
    const cols = STACK_COLUMNS.slice(1);
    await q.run(`UPDATE heat_stacks SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [
      ...stackValues(s, this.#s.seal).slice(1),
      s.id,
    ]);
  }

  async setStatus(q: Queryable, id: string, action: string, status: string, reason: string, now: number) {
    await q.run(
      'UPDATE heat_stacks SET action = ?, status = ?, status_reason = ?, updated_at = ? WHERE id = ?',
      [action, status, reason, now, id],
    );
  }

  async get(id: string, q: Queryable = this.#db): Promise<StackRow | undefined> {
    const r = await q.get<Raw>('SELECT * FROM heat_stacks WHERE id = ?', [id]);
    return r ? toStack(r, this.#s.open) : undefined;
  }

  /** A live stack of the project by name or id. */
  async findLive(projectId: string, nameOrId: string): Promise<StackRow | undefined> {
    const r = await this.#db.get<Raw>(
      'SELECT * FROM heat_stacks WHERE project_id = ? AND deleted_at IS NULL AND (id = ? OR name = ?) ORDER BY created_at DESC',
      [projectId, nameOrId, nameOrId],
    );
    return r ? toStack(r, this.#s.open) : undefined;
  }

  async list(f: StackFilter): Promise<StackRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (f.projectId !== undefined) {
      where.push('project_id = ?');
      params.push(f.projectId);
    }
    if (!f.showDeleted) where.push('deleted_at IS NULL');
    if (!f.showNested) where.push('parent_id IS NULL');
    const inList = (col: string, vals: string[] | undefined) => {
      if (!vals || vals.length === 0) return;
      where.push(`${col} IN (${vals.map(() => '?').join(', ')})`);
      params.push(...vals);
    };
    inList('name', f.name);
    inList('action', f.action);
    inList('id', f.id);
    if (f.status && f.status.length > 0) {
      // "status" filters on the whole stack_status (CREATE_COMPLETE) or on the status part (COMPLETE).
      where.push(`(${f.status.map(() => "(status = ? OR action || '_' || status = ?)").join(' OR ')})`);
      for (const s of f.status) params.push(s, s);
    }
    const sql = `SELECT * FROM heat_stacks${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id`;
    return (await this.#db.all<Raw>(sql, params)).map((r) => toStack(r, this.#s.open));
  }

  async children(parentId: string, q: Queryable = this.#db): Promise<StackRow[]> {
    return (
      await q.all<Raw>(
        'SELECT * FROM heat_stacks WHERE parent_id = ? AND deleted_at IS NULL ORDER BY created_at',
        [parentId],
      )
    ).map((r) => toStack(r, this.#s.open));
  }

  /** Live stacks whose status is IN_PROGRESS (for recovery after a crash). */
  async inProgress(): Promise<StackRow[]> {
    return (
      await this.#db.all<Raw>("SELECT * FROM heat_stacks WHERE status = 'IN_PROGRESS' AND deleted_at IS NULL")
    ).map((r) => toStack(r, this.#s.open));
  }
}
