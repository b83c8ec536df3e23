// The only code that reads and writes the orchestration tables. Rows come back as plain typed records;
// JSON columns are parsed here. Writes take a Queryable so the engine can batch them in one transaction.
import { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Queryable, SqlValue } from '../../platform/db/types.ts';
import type { Json, JsonMap } from '../model/template-format.ts';
import { CredentialStore } from './credentials.ts';
import { DeploymentStore } from './deployments.ts';

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

type Raw = Record<string, unknown>;
const j = <T>(v: unknown, d: T): T => (typeof v === 'string' && v !== '' ? (JSON.parse(v) as T) : d);
const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Opens a sealed JSON column (stack parameters and environment, resource data), or parses plain JSON. */
type Opener = (v: unknown, context: string) => unknown;
const plain: Opener = (v) => v;

const toStack = (r: Raw, open: Opener = plain): StackRow => ({
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

const toResource = (r: Raw, open: Opener = plain): ResourceRow => ({
  stackId: r.stack_id as string,
  name: r.name as string,
  id: r.id as string,
  type: r.type as string,
  action: r.action as string,
  status: r.status as string,
  statusReason: r.status_reason as string,
  physicalId: (r.physical_id as string | null) ?? null,
  properties: j(r.properties, {}),
  metadata: j(open(r.metadata, `orchestration:resource:${r.stack_id}:${r.name}:metadata`), {}),
  attributes: j(r.attributes, {}),
  data: j(open(r.data, `orchestration:resource:${r.stack_id}:${r.name}:data`), {}),
  nestedId: (r.nested_id as string | null) ?? null,
  createdAt: Number(r.created_at),
  updatedAt: n(r.updated_at),
});

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

type Sealer = (text: string, context: string) => string;

function stackValues(s: StackRow, seal: Sealer = (t) => t): SqlValue[] {
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

export interface StackFilter {
  projectId?: string;
  name?: string[];
  status?: string[];
  action?: string[];
  id?: string[];
  showDeleted?: boolean;
  showNested?: boolean;
}

export class HeatStore {
  readonly db: Database;
  readonly #seal: Sealer;
  readonly #open: Opener;

  /** With a SecretBox, parameters, environments and resource data (random strings…) are sealed at rest. */
  /** Access keys the engine issued (sealed secrets). */
  readonly credentials: CredentialStore;
  /** Software deployments (sealed input and output values). */
  readonly deployments: DeploymentStore;

  constructor(db: Database, secrets?: SecretBox) {
    this.db = db;
    this.credentials = new CredentialStore(db, secrets);
    this.deployments = new DeploymentStore(db, secrets);
    this.#seal = secrets ? (t, c) => secrets.seal(t, c) : (t) => t;
    this.#open = (v, c) =>
      typeof v === 'string' && SecretBox.isSealed(v) && secrets ? secrets.open(v, c) : v;
  }

  async insertStack(q: Queryable, s: StackRow): Promise<void> {
    await q.run(
      `INSERT INTO heat_stacks (${STACK_COLUMNS.join(', ')}) VALUES (${STACK_COLUMNS.map(() => '?').join(', ')})`,
      stackValues(s, this.#seal),
    );
  }

  /** Rewrites every column of a stack row (the engine holds the stack's lease while it does). */
  async saveStack(q: Queryable, s: StackRow): Promise<void> {
    const cols = STACK_COLUMNS.slice(1);
    await q.run(`UPDATE heat_stacks SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [
      ...stackValues(s, this.#seal).slice(1),
      s.id,
    ]);
  }

  async setStackStatus(
    q: Queryable,
    id: string,
    action: string,
    status: string,
    reason: string,
    now: number,
  ) {
    await q.run(
      'UPDATE heat_stacks SET action = ?, status = ?, status_reason = ?, updated_at = ? WHERE id = ?',
      [action, status, reason, now, id],
    );
  }

  async getStack(id: string, q: Queryable = this.db): Promise<StackRow | undefined> {
    const r = await q.get<Raw>('SELECT * FROM heat_stacks WHERE id = ?', [id]);
    return r ? toStack(r, this.#open) : undefined;
  }

  /** A live stack of the project by name or id. */
  async findLive(projectId: string, nameOrId: string): Promise<StackRow | undefined> {
    const r = await this.db.get<Raw>(
      'SELECT * FROM heat_stacks WHERE project_id = ? AND deleted_at IS NULL AND (id = ? OR name = ?) ORDER BY created_at DESC',
      [projectId, nameOrId, nameOrId],
    );
    return r ? toStack(r, this.#open) : undefined;
  }

  async listStacks(f: StackFilter): Promise<StackRow[]> {
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
    return (await this.db.all<Raw>(sql, params)).map((r) => toStack(r, this.#open));
  }

  async childStacks(parentId: string, q: Queryable = this.db): Promise<StackRow[]> {
    return (
      await q.all<Raw>(
        'SELECT * FROM heat_stacks WHERE parent_id = ? AND deleted_at IS NULL ORDER BY created_at',
        [parentId],
      )
    ).map((r) => toStack(r, this.#open));
  }

  /** Live stacks whose status is IN_PROGRESS (for recovery after a crash). */
  async inProgress(): Promise<StackRow[]> {
    return (
      await this.db.all<Raw>("SELECT * FROM heat_stacks WHERE status = 'IN_PROGRESS' AND deleted_at IS NULL")
    ).map((r) => toStack(r, this.#open));
  }

  async upsertResource(q: Queryable, r: ResourceRow): Promise<void> {
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
        JSON.stringify(r.properties),
        // Metadata may carry credentials (the era's os-collect-config blocks): sealed like private data.
        Object.keys(r.metadata).length === 0
          ? '{}'
          : this.#seal(JSON.stringify(r.metadata), `orchestration:resource:${r.stackId}:${r.name}:metadata`),
        JSON.stringify(r.attributes),
        Object.keys(r.data).length === 0
          ? '{}'
          : this.#seal(JSON.stringify(r.data), `orchestration:resource:${r.stackId}:${r.name}:data`),
        r.nestedId,
        r.createdAt,
        r.updatedAt,
      ],
    );
  }

  async deleteResource(q: Queryable, stackId: string, name: string): Promise<void> {
    await q.run('DELETE FROM heat_resources WHERE stack_id = ? AND name = ?', [stackId, name]);
  }

  async resources(stackId: string, q: Queryable = this.db): Promise<ResourceRow[]> {
    return (
      await q.all<Raw>('SELECT * FROM heat_resources WHERE stack_id = ? ORDER BY created_at, name', [stackId])
    ).map((r) => toResource(r, this.#open));
  }

  async resource(stackId: string, name: string): Promise<ResourceRow | undefined> {
    const r = await this.db.get<Raw>('SELECT * FROM heat_resources WHERE stack_id = ? AND name = ?', [
      stackId,
      name,
    ]);
    return r ? toResource(r, this.#open) : undefined;
  }

  async failInProgressResources(
    q: Queryable,
    stackId: string,
    reason: string,
    now: number,
  ): Promise<ResourceRow[]> {
    const rows = (
      await q.all<Raw>("SELECT * FROM heat_resources WHERE stack_id = ? AND status = 'IN_PROGRESS'", [
        stackId,
      ])
    ).map((r) => toResource(r, this.#open));
    await q.run(
      "UPDATE heat_resources SET status = 'FAILED', status_reason = ?, updated_at = ? WHERE stack_id = ? AND status = 'IN_PROGRESS'",
      [reason, now, stackId],
    );
    return rows;
  }

  async addEvent(q: Queryable, e: Omit<EventRow, 'seq'>): Promise<void> {
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
  async events(
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
    return (await this.db.all<Raw>(sql, params)).map(toEvent);
  }

  async event(id: string): Promise<EventRow | undefined> {
    const r = await this.db.get<Raw>('SELECT * FROM heat_events WHERE id = ?', [id]);
    return r ? toEvent(r) : undefined;
  }

  async insertConfig(q: Queryable, c: SoftwareConfigRow): Promise<void> {
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

  async config(id: string): Promise<SoftwareConfigRow | undefined> {
    const r = await this.db.get<Raw>('SELECT * FROM heat_software_configs WHERE id = ?', [id]);
    return r ? toConfig(r) : undefined;
  }

  async configs(projectId: string | undefined, limit?: number): Promise<SoftwareConfigRow[]> {
    const lim = limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`;
    const rows =
      projectId === undefined
        ? await this.db.all<Raw>(`SELECT * FROM heat_software_configs ORDER BY created_at, id${lim}`)
        : await this.db.all<Raw>(
            `SELECT * FROM heat_software_configs WHERE project_id = ? ORDER BY created_at, id${lim}`,
            [projectId],
          );
    return rows.map(toConfig);
  }

  async deleteConfig(q: Queryable, id: string): Promise<boolean> {
    return (await q.run('DELETE FROM heat_software_configs WHERE id = ?', [id])).changes === 1;
  }

  /** A signal sent to a resource (wait condition handles); kept apart from the engine's fenced rows. */
  async addSignal(stackId: string, resourceName: string, data: JsonMap): Promise<void> {
    await this.db.run(
      'INSERT INTO heat_signals (stack_id, resource_name, data, created_at) VALUES (?, ?, ?, ?)',
      [stackId, resourceName, JSON.stringify(data), Date.now()],
    );
  }

  async signals(stackId: string, resourceName: string): Promise<JsonMap[]> {
    const rows = await this.db.all<Raw>(
      'SELECT data FROM heat_signals WHERE stack_id = ? AND resource_name = ? ORDER BY seq',
      [stackId, resourceName],
    );
    return rows.map((r) => j(r.data, {}));
  }

  async deleteSignals(stackId: string, resourceName: string): Promise<void> {
    await this.db.run('DELETE FROM heat_signals WHERE stack_id = ? AND resource_name = ?', [
      stackId,
      resourceName,
    ]);
  }
}
