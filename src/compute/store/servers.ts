// Servers and their instance actions: the only code touching cmp_servers and cmp_instance_actions. Every
// change after create is a compare-and-set on the row's version, so the API (actions, delete) and the
// build worker never write over each other: the loser reads again.
import type { Database, Queryable } from '../../platform/db/types.ts';
import { forbidden, notFound } from '../../platform/errors/catalogue.ts';
import type { Server } from '../model/server.ts';
import type { QuotaStore } from './quotas.ts';

export const serverNotFound = (id: string) => notFound(`Instance ${id} could not be found.`);

export interface ActionEvent {
  event: string;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  traceback: string | null;
  host: string;
}

export interface InstanceAction {
  request_id: string;
  instance_uuid: string;
  action: string;
  project_id: string;
  user_id: string;
  start_time: string;
  updated_at: string;
  message: string | null;
  events: ActionEvent[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export class ServerStore {
  readonly #db: Database;
  readonly #quotas: QuotaStore;

  constructor(db: Database, quotas: QuotaStore) {
    this.#db = db;
    this.#quotas = quotas;
  }

  get db(): Database {
    return this.#db;
  }

  /**
   * Inserts between min and max servers (as many as the quota leaves room for, as Nova does) in one
   * serializable transaction: two racing creates cannot both pass the last free slot. Each gets its create
   * action. Nova's 403 when not even `min` fit.
   */
  async create(
    make: (count: number, firstInternalId: number) => Omit<Server, 'version'>[],
    want: { projectId: string; min: number; max: number; vcpus: number; ram: number },
    action: { request_id: string; user_id: string },
  ): Promise<Server[]> {
    return this.#db.tx(
      async (q) => {
        const used = await this.#quotas.usage(want.projectId, undefined, q);
        const limits = await this.#quotas.limits(want.projectId, q);
        const need: [string, number][] = [
          ['instances', 1],
          ['cores', want.vcpus],
          ['ram', want.ram],
        ];
        let count = want.max;
        for (const [res, per] of need) {
          const limit = limits[res] ?? -1;
          if (limit === -1 || per === 0) continue;
          count = Math.min(count, Math.floor((limit - (used[res] ?? 0)) / per));
        }
        if (count < want.min) {
          const overs = need.filter(([res, per]) => {
            const limit = limits[res] ?? -1;
            return limit !== -1 && (used[res] ?? 0) + want.min * per > limit;
          });
          const [res, per] = overs[0] ?? need[0]!;
          throw forbidden(
            `Quota exceeded for ${overs.map(([r]) => r).join(', ')}: Requested ${want.min * per}, but already used ` +
              `${used[res] ?? 0} of ${limits[res]} ${res}`,
            { type: 'forbidden' },
          );
        }
        const top = await q.get<{ m: number | null }>('SELECT MAX(internal_id) AS m FROM cmp_servers');
        const out: Server[] = [];
        for (const s of make(count, Number(top?.m ?? 0) + 1)) {
          const row: Server = { ...s, version: 1 };
          await q.run(
            'INSERT INTO cmp_servers (id, project_id, user_id, name, vm_state, task_state, node_uuid, group_id, ' +
              'vcpus, ram, version, internal_id, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [
              row.id,
              row.project_id,
              row.user_id,
              row.name,
              row.vm_state,
              row.task_state,
              row.node_uuid,
              row.group_id,
              row.flavor.vcpus,
              row.flavor.ram,
              row.version,
              row.internal_id,
              row.created_at,
              row.updated_at,
              JSON.stringify(row),
            ],
          );
          await this.addAction(q, row, 'create', action.request_id, action.user_id);
          await this.#db.notify('cmp_servers', row.id, q);
          out.push(row);
        }
        return out;
      },
      { serializable: true },
    );
  }

  async get(id: string, q: Queryable = this.#db): Promise<Server | undefined> {
    const r = await q.get<{ doc: string; version: number }>(
      'SELECT doc, version FROM cmp_servers WHERE id = ?',
      [id],
    );
    return r && { ...(JSON.parse(r.doc) as Server), version: Number(r.version) };
  }

  /** A project's servers (every project's when undefined), oldest first. */
  async list(projectId: string | undefined): Promise<Server[]> {
    const rows =
      projectId === undefined
        ? await this.#db.all<{ doc: string; version: number }>(
            'SELECT doc, version FROM cmp_servers ORDER BY created_at, id',
          )
        : await this.#db.all<{ doc: string; version: number }>(
            'SELECT doc, version FROM cmp_servers WHERE project_id = ? ORDER BY created_at, id',
            [projectId],
          );
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as Server), version: Number(r.version) }));
  }

  /** The servers holding each node, as a hypervisor lists them: node UUID → id and Nova's instance name. */
  async byNode(): Promise<Map<string, { uuid: string; name: string }[]>> {
    const rows = await this.#db.all<{ doc: string }>(
      'SELECT doc FROM cmp_servers WHERE node_uuid IS NOT NULL ORDER BY created_at, id',
    );
    const out = new Map<string, { uuid: string; name: string }[]>();
    for (const r of rows) {
      const s = JSON.parse(r.doc) as Server;
      if (!s.node_uuid) continue;
      const name = `instance-${s.internal_id.toString(16).padStart(8, '0')}`;
      out.set(s.node_uuid, [...(out.get(s.node_uuid) ?? []), { uuid: s.id, name }]);
    }
    return out;
  }

  /** Servers with work in progress (a build, an action, a delete): what the worker resumes after a restart. */
  async pendingIds(): Promise<string[]> {
    const rows = await this.#db.all<{ id: string }>(
      "SELECT id FROM cmp_servers WHERE task_state IS NOT NULL OR vm_state = 'building'",
    );
    return rows.map((r) => r.id);
  }

  /** Ids of a server group's members. */
  async groupMembers(groupId: string, q: Queryable = this.#db): Promise<string[]> {
    const rows = await q.all<{ id: string }>(
      'SELECT id FROM cmp_servers WHERE group_id = ? ORDER BY created_at',
      [groupId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Writes `s` if nobody changed the row since it was read (its version); false otherwise. On success
   * s.version is the new version.
   */
  async save(s: Server, q: Queryable = this.#db): Promise<boolean> {
    const now = Date.now();
    const next = { ...s, version: s.version + 1, updated_at: now };
    const { changes } = await q.run(
      'UPDATE cmp_servers SET name = ?, vm_state = ?, task_state = ?, node_uuid = ?, version = ?, updated_at = ?, ' +
        'doc = ? WHERE id = ? AND version = ?',
      [
        next.name,
        next.vm_state,
        next.task_state,
        next.node_uuid,
        next.version,
        now,
        JSON.stringify(next),
        s.id,
        s.version,
      ],
    );
    if (changes !== 1) return false;
    Object.assign(s, next);
    await this.#db.notify('cmp_servers', s.id, q);
    return true;
  }

  /** Reads, changes and saves until the change lands (or `change` throws / returns false to give up). */
  async mutate(id: string, change: (s: Server) => boolean | undefined, q?: Queryable): Promise<Server> {
    for (;;) {
      const s = await this.get(id, q);
      if (!s) throw serverNotFound(id);
      if (change(s) === false) return s;
      if (await this.save(s, q)) return s;
    }
  }

  async remove(id: string, q: Queryable = this.#db): Promise<void> {
    await q.run('DELETE FROM cmp_servers WHERE id = ?', [id]);
    await q.run('DELETE FROM cmp_instance_actions WHERE server_id = ?', [id]);
  }

  async addAction(
    q: Queryable,
    s: Pick<Server, 'id' | 'project_id'>,
    action: string,
    requestId: string,
    userId: string,
  ): Promise<void> {
    const now = Date.now();
    const doc: InstanceAction = {
      request_id: requestId,
      instance_uuid: s.id,
      action,
      project_id: s.project_id,
      user_id: userId,
      start_time: iso(now),
      updated_at: iso(now),
      message: null,
      events: [],
    };
    const top = await q.get<{ m: number | null }>(
      'SELECT MAX(seq) AS m FROM cmp_instance_actions WHERE server_id = ?',
      [s.id],
    );
    await q.run(
      'INSERT INTO cmp_instance_actions (request_id, server_id, action, project_id, user_id, start_time, seq, doc) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [requestId, s.id, action, s.project_id, userId, now, Number(top?.m ?? 0) + 1, JSON.stringify(doc)],
    );
  }

  /** Starts an event of an action, or finishes the last unfinished one of that name. */
  async event(
    serverId: string,
    requestId: string,
    event: string,
    host: string,
    finish?: { result: 'Success' | 'Error'; message?: string; traceback?: string },
  ): Promise<void> {
    await this.#db.tx(async (q) => {
      const r = await q.get<{ doc: string }>(
        'SELECT doc FROM cmp_instance_actions WHERE server_id = ? AND request_id = ?',
        [serverId, requestId],
      );
      if (!r) return;
      const a = JSON.parse(r.doc) as InstanceAction;
      const now = iso(Date.now());
      const open = [...a.events].reverse().find((e) => e.event === event && e.finish_time === null);
      if (finish && open) {
        open.finish_time = now;
        open.result = finish.result;
        open.traceback = finish.traceback ?? null;
      } else if (!finish)
        a.events.push({ event, start_time: now, finish_time: null, result: null, traceback: null, host });
      if (finish?.result === 'Error') a.message = finish.message ?? 'Error';
      a.updated_at = now;
      await q.run('UPDATE cmp_instance_actions SET doc = ? WHERE server_id = ? AND request_id = ?', [
        JSON.stringify(a),
        serverId,
        requestId,
      ]);
    });
  }

  async actions(serverId: string): Promise<InstanceAction[]> {
    const rows = await this.#db.all<{ doc: string }>(
      'SELECT doc FROM cmp_instance_actions WHERE server_id = ? ORDER BY seq DESC',
      [serverId],
    );
    return rows.map((r) => JSON.parse(r.doc) as InstanceAction);
  }

  async action(serverId: string, requestId: string): Promise<InstanceAction | undefined> {
    const r = await this.#db.get<{ doc: string }>(
      'SELECT doc FROM cmp_instance_actions WHERE server_id = ? AND request_id = ?',
      [serverId, requestId],
    );
    return r && (JSON.parse(r.doc) as InstanceAction);
  }
}
