// The only code that reads and writes bm_nodes. driver_info is sealed by the SecretBox on every write.

import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database, Queryable, SqlValue } from '../../platform/db/types.ts';
import { duplicate } from '../model/errors.ts';
import type { Dict, Node } from '../model/node.ts';
import type { ProvisionState } from '../model/provision.ts';

interface NodeRow {
  uuid: string;
  driver_info_enc: string;
  doc: string;
}

/** Column filters a list can push down to SQL. */
export interface NodeFilter {
  provision_state?: string;
  maintenance?: boolean;
  associated?: boolean;
  driver?: string;
  resource_class?: string;
  conductor_group?: string;
  fault?: string;
  owner?: string;
  lessee?: string;
  /** Owner or lessee (Ironic's `project` filter, and what a non-admin may see). */
  project?: string;
  instance_uuid?: string;
  chassis_uuid?: string;
  reservation?: string;
}

const COLUMN_FILTERS = [
  'provision_state',
  'driver',
  'resource_class',
  'conductor_group',
  'fault',
  'owner',
  'lessee',
  'instance_uuid',
  'chassis_uuid',
  'reservation',
] as const;

/** Bound into each sealed driver_info, so one node's sealed value copied to another row does not open. */
const sealContext = (uuid: string) => `baremetal:node:${uuid}:driver_info`;

/** How many parsed nodes the read-only list cache keeps before it starts afresh. */
const SHARED_CACHE_MAX = 20_000;

export class NodeStore {
  readonly #db: Database;
  readonly #box: SecretBox;
  /**
   * Parsed nodes for read-only lists, by uuid, reused while the row's stored text is the same: a detailed
   * list of hundreds of nodes otherwise spends a third of its time parsing and opening unchanged rows.
   */
  readonly #shared = new Map<string, { row: NodeRow; withInfo: boolean; node: Node }>();

  constructor(db: Database, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  get db(): Database {
    return this.#db;
  }

  /** With `driverInfo` false the sealed driver_info is not opened (left {}): lists that do not show it. */
  #toNode(r: NodeRow, driverInfo = true): Node {
    const node = JSON.parse(r.doc) as Node;
    node.driver_info = driverInfo
      ? (JSON.parse(this.#box.open(r.driver_info_enc, sealContext(r.uuid))) as Dict)
      : {};
    return node;
  }

  #values(n: Node): SqlValue[] {
    const { driver_info, ...rest } = n;
    return [
      n.name,
      n.driver,
      n.provision_state,
      n.target_provision_state,
      n.power_state,
      n.maintenance ? 1 : 0,
      n.fault,
      n.owner,
      n.lessee,
      n.instance_uuid,
      n.resource_class,
      n.conductor_group,
      n.chassis_uuid,
      n.reservation,
      n.provision_updated_at === null ? null : Date.parse(n.provision_updated_at),
      this.#box.seal(JSON.stringify(driver_info), sealContext(n.uuid)),
      JSON.stringify(rest),
    ];
  }

  async insert(n: Node, q: Queryable = this.#db): Promise<void> {
    try {
      await q.run(
        `INSERT INTO bm_nodes (name, driver, provision_state, target_provision_state, power_state, maintenance,
          fault, owner, lessee, instance_uuid, resource_class, conductor_group, chassis_uuid, reservation,
          provision_updated_at, driver_info_enc, doc, uuid, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...this.#values(n), n.uuid, Date.parse(n.created_at)],
      );
    } catch (e) {
      throw this.#conflict(e, n);
    }
  }

  #conflict(e: unknown, n: Node): unknown {
    if (!isUniqueViolation(e)) return e;
    const msg = String((e as Error).message);
    if (msg.includes('name')) return duplicate(`A node with name ${n.name} already exists.`, 'DuplicateName');
    if (msg.includes('instance_uuid'))
      return duplicate(
        `Instance ${n.instance_uuid} is already associated with a node.`,
        'InstanceAssociated',
      );
    return duplicate(`A node with UUID ${n.uuid} already exists.`, 'NodeAlreadyExists');
  }

  /** Writes the whole node; with `expectReservation`, only while the node is still reserved by that holder. */
  async save(
    n: Node,
    q: Queryable = this.#db,
    opts: { expectReservation?: string | null } = {},
  ): Promise<boolean> {
    const fence = opts.expectReservation === undefined ? '' : ' AND reservation IS NOT DISTINCT FROM ?';
    const params: SqlValue[] = [...this.#values(n), n.uuid];
    if (opts.expectReservation !== undefined) params.push(opts.expectReservation);
    try {
      const { changes } = await q.run(
        `UPDATE bm_nodes SET name = ?, driver = ?, provision_state = ?, target_provision_state = ?,
          power_state = ?, maintenance = ?, fault = ?, owner = ?, lessee = ?, instance_uuid = ?,
          resource_class = ?, conductor_group = ?, chassis_uuid = ?, reservation = ?, provision_updated_at = ?,
          driver_info_enc = ?, doc = ? WHERE uuid = ?${fence}`,
        params,
      );
      return changes === 1;
    } catch (e) {
      throw this.#conflict(e, n);
    }
  }

  /** With `lock`, the row stays locked until the transaction ends (PostgreSQL; SQLite locks the database). */
  async get(uuid: string, q: Queryable = this.#db, lock = false): Promise<Node | undefined> {
    const forUpdate = lock && this.#db.engine === 'postgres' ? ' FOR UPDATE' : '';
    const r = await q.get<NodeRow>(
      `SELECT uuid, driver_info_enc, doc FROM bm_nodes WHERE uuid = ?${forUpdate}`,
      [uuid.toLowerCase()],
    );
    return r && this.#toNode(r);
  }

  async byName(name: string, q: Queryable = this.#db): Promise<Node | undefined> {
    const r = await q.get<NodeRow>('SELECT uuid, driver_info_enc, doc FROM bm_nodes WHERE name = ?', [name]);
    return r && this.#toNode(r);
  }

  async byInstance(instanceUuid: string): Promise<Node | undefined> {
    const r = await this.#db.get<NodeRow>(
      'SELECT uuid, driver_info_enc, doc FROM bm_nodes WHERE instance_uuid = ?',
      [instanceUuid],
    );
    return r && this.#toNode(r);
  }

  /**
   * With `opts.driverInfo` false, driver_info is left unopened ({}): for reads that neither show nor save it.
   * With `opts.shared`, the nodes may be shared with other reads (a cache): the caller must not change them.
   */
  async list(
    f: NodeFilter = {},
    q: Queryable = this.#db,
    opts: { driverInfo?: boolean; shared?: boolean } = {},
  ): Promise<Node[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    for (const k of COLUMN_FILTERS) {
      const v = f[k];
      if (v !== undefined) {
        where.push(`${k} = ?`);
        params.push(v);
      }
    }
    if (f.maintenance !== undefined) {
      where.push('maintenance = ?');
      params.push(f.maintenance ? 1 : 0);
    }
    if (f.associated !== undefined)
      where.push(f.associated ? 'instance_uuid IS NOT NULL' : 'instance_uuid IS NULL');
    if (f.project !== undefined) {
      where.push('(owner = ? OR lessee = ?)');
      params.push(f.project, f.project);
    }
    const sql = `SELECT uuid, driver_info_enc, doc FROM bm_nodes${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const open = opts.driverInfo !== false;
    const rows = await q.all<NodeRow>(sql, params);
    return opts.shared ? rows.map((r) => this.#sharedNode(r, open)) : rows.map((r) => this.#toNode(r, open));
  }

  /** A parsed node that may be shared between reads: never to be changed by its caller. */
  #sharedNode(r: NodeRow, driverInfo: boolean): Node {
    const hit = this.#shared.get(r.uuid);
    if (
      hit &&
      hit.row.doc === r.doc &&
      hit.row.driver_info_enc === r.driver_info_enc &&
      (hit.withInfo || !driverInfo)
    )
      return hit.node;
    if (this.#shared.size >= SHARED_CACHE_MAX) this.#shared.clear();
    const node = this.#toNode(r, driverInfo);
    this.#shared.set(r.uuid, { row: r, withInfo: driverInfo, node });
    return node;
  }

  async inStates(
    states: readonly ProvisionState[],
    q: Queryable = this.#db,
    opts: { driverInfo?: boolean } = {},
  ): Promise<Node[]> {
    if (states.length === 0) return [];
    const rows = await q.all<NodeRow>(
      `SELECT uuid, driver_info_enc, doc FROM bm_nodes WHERE provision_state IN (${states.map(() => '?').join(', ')})`,
      [...states],
    );
    const open = opts.driverInfo !== false;
    return rows.map((r) => this.#toNode(r, open));
  }

  async reserved(q: Queryable = this.#db): Promise<Node[]> {
    const rows = await q.all<NodeRow>(
      'SELECT uuid, driver_info_enc, doc FROM bm_nodes WHERE reservation IS NOT NULL',
    );
    return rows.map((r) => this.#toNode(r));
  }

  async delete(uuid: string, q: Queryable = this.#db): Promise<boolean> {
    this.#shared.delete(uuid);
    const { changes } = await q.run('DELETE FROM bm_nodes WHERE uuid = ?', [uuid]);
    return changes === 1;
  }
}
