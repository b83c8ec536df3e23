// Security groups and rules: stored and served (enforcement belongs to the data plane, which bare metal
// does not have). Every project gets a "default" group on first use, created race-free.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../platform/db/types.ts';
import { conflictError, inUse, notFoundError } from '../model/errors.ts';
import type { GroupRecord, RuleRecord, Scope } from '../model/records.ts';
import { checkGroupName, type RuleSpec, sameRule } from '../model/security-group.ts';
import { bool, int, standardFrom } from './common.ts';
import type { QuotaStore } from './quotas.ts';

export class SecurityGroupStore {
  readonly #db: Database;
  readonly #quotas: QuotaStore;

  constructor(db: Database, quotas: QuotaStore) {
    this.#db = db;
    this.#quotas = quotas;
  }

  /** The project's default group, created with Neutron's default rules the first time it is needed. */
  async ensureDefault(projectId: string, q?: Queryable): Promise<string> {
    const run = async (tx: Queryable) => {
      const have = await tx.get<{ security_group_id: string }>(
        'SELECT security_group_id FROM net_default_security_groups WHERE project_id = ?',
        [projectId],
      );
      if (have) return have.security_group_id;
      const id = randomUUID();
      await this.#insertGroup(tx, id, projectId, 'default', 'Default security group', true);
      const won = await tx.run(
        'INSERT INTO net_default_security_groups (project_id, security_group_id) VALUES (?, ?) ' +
          'ON CONFLICT (project_id) DO NOTHING',
        [projectId, id],
      );
      if (won.changes === 0) {
        // Another process created it meanwhile: drop ours and use theirs.
        await tx.run('DELETE FROM net_security_groups WHERE id = ?', [id]);
        return (await tx.get<{ security_group_id: string }>(
          'SELECT security_group_id FROM net_default_security_groups WHERE project_id = ?',
          [projectId],
        ))!.security_group_id;
      }
      // Egress anywhere, ingress from members of the same group, for both families.
      for (const ethertype of ['IPv4', 'IPv6'] as const) {
        await this.#insertRule(tx, projectId, id, { direction: 'egress', ethertype }, '');
        await this.#insertRule(
          tx,
          projectId,
          id,
          { direction: 'ingress', ethertype, remote_group_id: id },
          '',
        );
      }
      return id;
    };
    return q ? run(q) : this.#db.tx(run);
  }

  async create(
    projectId: string,
    name: string,
    description: string,
    stateful: boolean,
  ): Promise<GroupRecord> {
    checkGroupName(name);
    const id = randomUUID();
    await this.#db.tx(async (q) => {
      await this.ensureDefault(projectId, q);
      await this.#quotas.check(q, projectId, 'security_group');
      await this.#insertGroup(q, id, projectId, name, description, stateful);
      for (const ethertype of ['IPv4', 'IPv6'] as const)
        await this.#insertRule(q, projectId, id, { direction: 'egress', ethertype }, '');
    });
    return (await this.get(id))!;
  }

  async #insertGroup(
    q: Queryable,
    id: string,
    projectId: string,
    name: string,
    description: string,
    stateful: boolean,
  ) {
    const now = Date.now();
    await q.run(
      'INSERT INTO net_security_groups (id, project_id, name, description, stateful, tags, revision_number, ' +
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, '[]', 1, ?, ?)",
      [id, projectId, name, description, int(stateful), now, now],
    );
  }

  async #insertRule(q: Queryable, projectId: string, groupId: string, r: RuleSpec, description: string) {
    const id = randomUUID();
    const now = Date.now();
    await q.run(
      'INSERT INTO net_security_group_rules (id, project_id, security_group_id, direction, ethertype, protocol, ' +
        'port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description, revision_number, ' +
        'created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
      [
        id,
        projectId,
        groupId,
        r.direction,
        r.ethertype,
        r.protocol ?? null,
        r.port_range_min ?? null,
        r.port_range_max ?? null,
        r.remote_ip_prefix ?? null,
        r.remote_group_id ?? null,
        description,
        now,
        now,
      ],
    );
    return id;
  }

  async get(id: string): Promise<GroupRecord | undefined> {
    const row = await this.#db.get<Record<string, unknown>>(
      'SELECT * FROM net_security_groups WHERE id = ?',
      [id],
    );
    if (!row) return undefined;
    return {
      ...groupFrom(row),
      security_group_rules: await this.#rules('WHERE security_group_id = ?', [id]),
    };
  }

  async list(scope: Scope): Promise<GroupRecord[]> {
    if (!scope.admin && scope.projectId) await this.ensureDefault(scope.projectId);
    const where = scope.admin ? '' : 'WHERE project_id = ?';
    const params = scope.admin ? [] : [scope.projectId ?? ''];
    const rows = await this.#db.all<Record<string, unknown>>(
      `SELECT * FROM net_security_groups ${where} ORDER BY created_at, id`,
      params,
    );
    const rules = await this.#rules(where, params);
    return rows.map((r) => ({
      ...groupFrom(r),
      security_group_rules: rules.filter((x) => x.security_group_id === r.id),
    }));
  }

  async update(id: string, patch: { name?: string; description?: string; stateful?: boolean }) {
    const cur = await this.get(id);
    if (!cur) throw notFoundError('SecurityGroup', id);
    if (patch.name !== undefined && patch.name !== cur.name) {
      if (await this.#isDefault(this.#db, id))
        throw conflictError(
          'SecurityGroupCannotUpdateDefault',
          'Updating default security group not allowed.',
        );
      checkGroupName(patch.name);
    }
    await this.#db.run(
      'UPDATE net_security_groups SET name = ?, description = ?, stateful = ?, ' +
        'revision_number = revision_number + 1, updated_at = ? WHERE id = ?',
      [
        patch.name ?? cur.name,
        patch.description ?? cur.description,
        int(patch.stateful ?? cur.stateful),
        Date.now(),
        id,
      ],
    );
    return (await this.get(id))!;
  }

  async delete(id: string, admin: boolean): Promise<void> {
    await this.#db.tx(async (q) => {
      const row = await q.get<{ name: string }>('SELECT name FROM net_security_groups WHERE id = ?', [id]);
      if (!row) throw notFoundError('SecurityGroup', id);
      if ((await this.#isDefault(q, id)) && !admin)
        throw conflictError(
          'SecurityGroupCannotRemoveDefault',
          'Insufficient rights for removing default security group.',
        );
      if (
        await q.get('SELECT 1 AS x FROM net_port_security_groups WHERE security_group_id = ? LIMIT 1', [id])
      )
        throw inUse('SecurityGroupInUse', `Security Group ${id} in use.`);
      await q.run('DELETE FROM net_security_groups WHERE id = ?', [id]);
    });
  }

  async createRule(
    projectId: string,
    groupId: string,
    spec: RuleSpec,
    description: string,
  ): Promise<RuleRecord> {
    const id = await this.#db.tx(async (q) => {
      if (!(await q.get('SELECT 1 AS x FROM net_security_groups WHERE id = ?', [groupId])))
        throw notFoundError('SecurityGroup', groupId);
      await this.#quotas.check(q, projectId, 'security_group_rule');
      const existing = (await this.#rules('WHERE security_group_id = ?', [groupId], q)).find((r) =>
        sameRule(r, spec),
      );
      if (existing)
        throw conflictError(
          'SecurityGroupRuleExists',
          `Security group rule already exists. Rule id is ${existing.id}.`,
        );
      const ruleId = await this.#insertRule(q, projectId, groupId, spec, description);
      await q.run(
        'UPDATE net_security_groups SET revision_number = revision_number + 1, updated_at = ? WHERE id = ?',
        [Date.now(), groupId],
      );
      return ruleId;
    });
    return (await this.getRule(id))!;
  }

  async #isDefault(q: Queryable, id: string): Promise<boolean> {
    const row = await q.get('SELECT 1 AS x FROM net_default_security_groups WHERE security_group_id = ?', [
      id,
    ]);
    return row !== undefined;
  }

  async getRule(id: string): Promise<RuleRecord | undefined> {
    return (await this.#rules('WHERE id = ?', [id]))[0];
  }

  async listRules(scope: Scope): Promise<RuleRecord[]> {
    return scope.admin ? this.#rules('', []) : this.#rules('WHERE project_id = ?', [scope.projectId ?? '']);
  }

  async deleteRule(id: string): Promise<void> {
    const { changes } = await this.#db.run('DELETE FROM net_security_group_rules WHERE id = ?', [id]);
    if (changes === 0) throw notFoundError('SecurityGroupRule', id);
  }

  async #rules(where: string, params: string[], q: Queryable = this.#db): Promise<RuleRecord[]> {
    const rows = await q.all<Record<string, unknown>>(
      `SELECT * FROM net_security_group_rules ${where} ORDER BY created_at, id`,
      params,
    );
    return rows.map(ruleFrom);
  }
}

function groupFrom(row: Record<string, unknown>) {
  return { ...standardFrom(row), stateful: bool(row.stateful) };
}

function ruleFrom(row: Record<string, unknown>): RuleRecord {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id),
    project_id: String(row.project_id),
    security_group_id: String(row.security_group_id),
    direction: String(row.direction) as RuleSpec['direction'],
    ethertype: String(row.ethertype) as RuleSpec['ethertype'],
    protocol: s(row.protocol),
    port_range_min: n(row.port_range_min),
    port_range_max: n(row.port_range_max),
    remote_ip_prefix: s(row.remote_ip_prefix),
    remote_group_id: s(row.remote_group_id),
    description: String(row.description),
    revision_number: Number(row.revision_number),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}
