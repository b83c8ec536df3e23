// Roles, role implications and role assignments.
import type { Queryable, Row, SqlValue } from '../../platform/db/types.ts';
import type { ActorType, Assignment, Role, TargetType } from '../model/types.ts';
import { json, newId, unique, update, where } from './sql.ts';

const roleOf = (r: Row): Role => ({
  id: r.id as string,
  name: r.name as string,
  domainId: (r.domain_key as string) === '' ? null : (r.domain_key as string),
  description: (r.description as string) ?? '',
  options: json(r.options, {}),
});

const assignmentOf = (r: Row): Assignment => ({
  actorType: r.actor_type as ActorType,
  actorId: r.actor_id as string,
  targetType: r.target_type as TargetType,
  targetId: r.target_id as string,
  roleId: r.role_id as string,
});

export async function getRole(q: Queryable, id: string): Promise<Role | undefined> {
  const r = await q.get('SELECT * FROM identity_roles WHERE id = ?', [id]);
  return r ? roleOf(r) : undefined;
}

export async function getRoleByName(q: Queryable, name: string, domainId: string | null = null) {
  const r = await q.get('SELECT * FROM identity_roles WHERE name = ? AND domain_key = ?', [
    name,
    domainId ?? '',
  ]);
  return r ? roleOf(r) : undefined;
}

export async function listRoles(
  q: Queryable,
  f: { name?: string; domainId?: string | null },
): Promise<Role[]> {
  const w = where({ name: f.name, domain_key: f.domainId === undefined ? undefined : (f.domainId ?? '') });
  return (await q.all(`SELECT * FROM identity_roles${w.sql} ORDER BY name, id`, w.params)).map(roleOf);
}

export async function rolesByIds(q: Queryable, ids: readonly string[]): Promise<Role[]> {
  if (ids.length === 0) return [];
  const marks = ids.map(() => '?').join(', ');
  return (await q.all(`SELECT * FROM identity_roles WHERE id IN (${marks}) ORDER BY name`, ids)).map(roleOf);
}

export async function createRole(q: Queryable, r: Omit<Role, 'id'>, id = newId()): Promise<Role> {
  await unique(`role ${r.name}`, () =>
    q.run('INSERT INTO identity_roles (id, name, domain_key, description, options) VALUES (?, ?, ?, ?, ?)', [
      id,
      r.name,
      r.domainId ?? '',
      r.description,
      JSON.stringify(r.options),
    ]),
  );
  return { ...r, id };
}

export async function updateRole(
  q: Queryable,
  id: string,
  c: Partial<Pick<Role, 'name' | 'description' | 'options'>>,
): Promise<Role | undefined> {
  const n = await unique(`role ${c.name ?? id}`, () =>
    update(q, 'identity_roles', id, {
      name: c.name,
      description: c.description,
      options: c.options && JSON.stringify(c.options),
    }),
  );
  return n ? getRole(q, id) : undefined;
}

export async function deleteRole(q: Queryable, id: string): Promise<boolean> {
  await q.run('DELETE FROM identity_assignments WHERE role_id = ?', [id]);
  await q.run('DELETE FROM identity_role_implications WHERE prior_role_id = ? OR implied_role_id = ?', [
    id,
    id,
  ]);
  return (await q.run('DELETE FROM identity_roles WHERE id = ?', [id])).changes > 0;
}

export async function listImplications(q: Queryable): Promise<{ prior: string; implied: string }[]> {
  return q.all<{ prior: string; implied: string }>(
    'SELECT prior_role_id AS prior, implied_role_id AS implied FROM identity_role_implications',
  );
}

export async function addImplication(q: Queryable, prior: string, implied: string): Promise<void> {
  // Idempotent, also when two requests race: the second insert does nothing.
  await unique('role implication', () =>
    q.run(
      'INSERT INTO identity_role_implications (prior_role_id, implied_role_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [prior, implied],
    ),
  );
}

export async function removeImplication(q: Queryable, prior: string, implied: string): Promise<boolean> {
  const r = await q.run(
    'DELETE FROM identity_role_implications WHERE prior_role_id = ? AND implied_role_id = ?',
    [prior, implied],
  );
  return r.changes > 0;
}

export async function grant(q: Queryable, a: Assignment): Promise<void> {
  await unique('role assignment', () =>
    q.run(
      'INSERT INTO identity_assignments (actor_type, actor_id, target_type, target_id, role_id) ' +
        'VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [a.actorType, a.actorId, a.targetType, a.targetId, a.roleId],
    ),
  );
}

export async function revoke(q: Queryable, a: Assignment): Promise<boolean> {
  const r = await q.run(
    'DELETE FROM identity_assignments WHERE actor_type = ? AND actor_id = ? AND target_type = ? ' +
      'AND target_id = ? AND role_id = ?',
    [a.actorType, a.actorId, a.targetType, a.targetId, a.roleId],
  );
  return r.changes > 0;
}

export async function hasAssignment(q: Queryable, a: Assignment): Promise<boolean> {
  const r = await q.get(
    'SELECT 1 AS x FROM identity_assignments WHERE actor_type = ? AND actor_id = ? AND target_type = ? ' +
      'AND target_id = ? AND role_id = ?',
    [a.actorType, a.actorId, a.targetType, a.targetId, a.roleId],
  );
  return r !== undefined;
}

export interface AssignmentFilter {
  actorType?: ActorType;
  /** Any of these actors (a user and its groups). */
  actorIds?: readonly string[];
  targetType?: TargetType;
  targetId?: string;
  roleId?: string;
}

export async function listAssignments(q: Queryable, f: AssignmentFilter): Promise<Assignment[]> {
  const w = where({
    actor_type: f.actorType,
    target_type: f.targetType,
    target_id: f.targetId,
    role_id: f.roleId,
  });
  let sql = `SELECT * FROM identity_assignments${w.sql}`;
  const params: SqlValue[] = [...w.params];
  if (f.actorIds) {
    if (f.actorIds.length === 0) return [];
    sql += `${w.sql ? ' AND' : ' WHERE'} actor_id IN (${f.actorIds.map(() => '?').join(', ')})`;
    params.push(...f.actorIds);
  }
  sql += ' ORDER BY actor_type DESC, actor_id, target_type, target_id, role_id';
  return (await q.all(sql, params)).map(assignmentOf);
}
