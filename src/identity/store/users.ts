// Users (with their password hash, which never leaves this module except for verification) and groups.
import type { Queryable, Row } from '../../platform/db/types.ts';
import type { Group, User } from '../model/types.ts';
import { bool, int, json, newId, unique, update, where } from './sql.ts';

const userOf = (r: Row): User => ({
  id: r.id as string,
  domainId: r.domain_id as string,
  name: r.name as string,
  enabled: bool(r.enabled),
  defaultProjectId: (r.default_project_id as string | null) ?? null,
  email: (r.email as string | null) ?? null,
  description: (r.description as string) ?? '',
  options: json(r.options, {}),
  passwordChangedAt: r.password_changed_at === null ? null : Number(r.password_changed_at),
  hasPassword: r.password_hash !== null,
  extra: json(r.extra, {}),
});

const groupOf = (r: Row): Group => ({
  id: r.id as string,
  domainId: r.domain_id as string,
  name: r.name as string,
  description: (r.description as string) ?? '',
});

export async function getUser(q: Queryable, id: string): Promise<User | undefined> {
  const r = await q.get('SELECT * FROM identity_users WHERE id = ?', [id]);
  return r ? userOf(r) : undefined;
}

export async function getUserByName(q: Queryable, domainId: string, name: string): Promise<User | undefined> {
  const r = await q.get('SELECT * FROM identity_users WHERE domain_id = ? AND name = ?', [domainId, name]);
  return r ? userOf(r) : undefined;
}

export async function getPasswordHash(q: Queryable, userId: string): Promise<string | null> {
  const r = await q.get<{ password_hash: string | null }>(
    'SELECT password_hash FROM identity_users WHERE id = ?',
    [userId],
  );
  return r?.password_hash ?? null;
}

export async function listUsers(
  q: Queryable,
  f: { name?: string; domainId?: string; enabled?: boolean },
): Promise<User[]> {
  const w = where({
    name: f.name,
    domain_id: f.domainId,
    enabled: f.enabled === undefined ? undefined : int(f.enabled),
  });
  return (await q.all(`SELECT * FROM identity_users${w.sql} ORDER BY name, id`, w.params)).map(userOf);
}

export interface NewUser {
  domainId: string;
  name: string;
  enabled: boolean;
  defaultProjectId: string | null;
  email: string | null;
  description: string;
  options: Record<string, unknown>;
  passwordHash: string | null;
  extra?: Record<string, unknown>;
}

export async function createUser(q: Queryable, u: NewUser, now: number, id = newId()): Promise<User> {
  await unique(`user ${u.name}`, () =>
    q.run(
      'INSERT INTO identity_users (id, domain_id, name, enabled, default_project_id, password_hash, ' +
        'password_changed_at, email, description, options, created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        id,
        u.domainId,
        u.name,
        int(u.enabled),
        u.defaultProjectId,
        u.passwordHash,
        u.passwordHash ? now : null,
        u.email,
        u.description,
        JSON.stringify(u.options),
        now,
        JSON.stringify(u.extra ?? {}),
      ],
    ),
  );
  return (await getUser(q, id))!;
}

export async function updateUser(
  q: Queryable,
  id: string,
  c: Partial<Omit<NewUser, 'domainId'>>,
  now: number,
): Promise<User | undefined> {
  const n = await unique(`user ${c.name ?? id}`, () =>
    update(q, 'identity_users', id, {
      name: c.name,
      enabled: c.enabled === undefined ? undefined : int(c.enabled),
      default_project_id: c.defaultProjectId,
      email: c.email,
      description: c.description,
      options: c.options && JSON.stringify(c.options),
      password_hash: c.passwordHash,
      password_changed_at: c.passwordHash === undefined ? undefined : now,
      extra: c.extra && JSON.stringify(c.extra),
    }),
  );
  return n ? getUser(q, id) : undefined;
}

export async function deleteUser(q: Queryable, id: string): Promise<boolean> {
  await q.run("DELETE FROM identity_assignments WHERE actor_type = 'user' AND actor_id = ?", [id]);
  await q.run('DELETE FROM identity_group_members WHERE user_id = ?', [id]);
  await q.run('DELETE FROM identity_app_credentials WHERE user_id = ?', [id]);
  return (await q.run('DELETE FROM identity_users WHERE id = ?', [id])).changes > 0;
}

export async function getGroup(q: Queryable, id: string): Promise<Group | undefined> {
  const r = await q.get('SELECT * FROM identity_groups WHERE id = ?', [id]);
  return r ? groupOf(r) : undefined;
}

export async function listGroups(q: Queryable, f: { name?: string; domainId?: string }): Promise<Group[]> {
  const w = where({ name: f.name, domain_id: f.domainId });
  return (await q.all(`SELECT * FROM identity_groups${w.sql} ORDER BY name, id`, w.params)).map(groupOf);
}

export async function createGroup(q: Queryable, g: Omit<Group, 'id'>): Promise<Group> {
  const group = { ...g, id: newId() };
  await unique(`group ${g.name}`, () =>
    q.run('INSERT INTO identity_groups (id, domain_id, name, description) VALUES (?, ?, ?, ?)', [
      group.id,
      group.domainId,
      group.name,
      group.description,
    ]),
  );
  return group;
}

export async function updateGroup(
  q: Queryable,
  id: string,
  c: Partial<Pick<Group, 'name' | 'description'>>,
): Promise<Group | undefined> {
  const n = await unique(`group ${c.name ?? id}`, () =>
    update(q, 'identity_groups', id, { name: c.name, description: c.description }),
  );
  return n ? getGroup(q, id) : undefined;
}

export async function deleteGroup(q: Queryable, id: string): Promise<boolean> {
  await q.run("DELETE FROM identity_assignments WHERE actor_type = 'group' AND actor_id = ?", [id]);
  await q.run('DELETE FROM identity_group_members WHERE group_id = ?', [id]);
  return (await q.run('DELETE FROM identity_groups WHERE id = ?', [id])).changes > 0;
}

export async function addMember(q: Queryable, groupId: string, userId: string): Promise<void> {
  await unique('group membership', () =>
    q.run('INSERT INTO identity_group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [
      groupId,
      userId,
    ]),
  );
}

export async function removeMember(q: Queryable, groupId: string, userId: string): Promise<boolean> {
  return (
    (await q.run('DELETE FROM identity_group_members WHERE group_id = ? AND user_id = ?', [groupId, userId]))
      .changes > 0
  );
}

export async function isMember(q: Queryable, groupId: string, userId: string): Promise<boolean> {
  return (
    (await q.get('SELECT 1 AS x FROM identity_group_members WHERE group_id = ? AND user_id = ?', [
      groupId,
      userId,
    ])) !== undefined
  );
}

export async function groupsOfUser(q: Queryable, userId: string): Promise<Group[]> {
  return (
    await q.all(
      'SELECT g.* FROM identity_groups g JOIN identity_group_members m ON m.group_id = g.id ' +
        'WHERE m.user_id = ? ORDER BY g.name',
      [userId],
    )
  ).map(groupOf);
}

export async function usersOfGroup(q: Queryable, groupId: string): Promise<User[]> {
  return (
    await q.all(
      'SELECT u.* FROM identity_users u JOIN identity_group_members m ON m.user_id = u.id ' +
        'WHERE m.group_id = ? ORDER BY u.name',
      [groupId],
    )
  ).map(userOf);
}
