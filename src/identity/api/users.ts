// /v3/users, /v3/groups and group membership. Passwords are hashed before the transaction opens (the KDF
// is slow); a password change, a disable or a delete revokes the user's tokens.
import type { FastifyInstance } from 'fastify';
import { badRequest, unauthorized } from '../../platform/errors/catalogue.ts';
import { AUTH_FAILED, checkSecret } from '../authenticate.ts';
import type { IdentityCore } from '../core.ts';
import { burnVerify, hashSecret, MAX_PASSWORD_LENGTH, verifySecret } from '../model/password.ts';
import { DEFAULT_DOMAIN_ID } from '../model/types.ts';
import { getDomain, getProject, listProjects } from '../store/resources.ts';
import { listAssignments } from '../store/roles.ts';
import {
  addMember,
  createGroup,
  createUser,
  deleteGroup,
  deleteUser,
  getGroup,
  getPasswordHash,
  getUser,
  groupsOfUser,
  isMember,
  listGroups,
  listUsers,
  removeMember,
  updateGroup,
  updateUser,
  usersOfGroup,
} from '../store/users.ts';
import { caller } from './auth.ts';
import { allow, type IdParams, must } from './common.ts';
import { bool, entity, name, noId, type Obj, optId, options, qs, qsBool, text } from './input.ts';
import { groupView, list, projectView, userView } from './views.ts';

function password(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_PASSWORD_LENGTH) {
    throw badRequest(`Invalid input for field '${where}.${key}': expected a non-empty string.`);
  }
  return v;
}

function email(o: Obj): string | null | undefined {
  const v = o.email;
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string' || v.length > 255) throw badRequest("Invalid input for field 'user.email'.");
  return v;
}

const USER_FIELDS = new Set([
  'id',
  'name',
  'domain_id',
  'enabled',
  'default_project_id',
  'email',
  'description',
  'options',
  'password',
  'links',
  'password_expires_at',
]);

/** The attributes keystone does not model, kept as given. */
function extra(u: Obj): Record<string, unknown> {
  return Object.fromEntries(Object.entries(u).filter(([k]) => !USER_FIELDS.has(k)));
}

export function userRoutes(app: FastifyInstance, core: IdentityCore): void {
  const hash = (pw: string | undefined) =>
    pw === undefined ? undefined : hashSecret(pw, core.settings.hashCost);

  app.get('/v3/users', async (req) => {
    allow(req, 'identity:list_users');
    const users = await listUsers(core.db, {
      name: qs(req.query, 'name'),
      domainId: qs(req.query, 'domain_id'),
      enabled: qsBool(req.query, 'enabled'),
    });
    return list(
      req,
      'users',
      users.map((u) => userView(req, u)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/users/:id', async (req) => {
    allow(req, 'identity:get_user', { userId: req.params.id });
    return { user: userView(req, must(await getUser(core.db, req.params.id), 'user', req.params.id)) };
  });

  app.post('/v3/users', async (req, reply) => {
    allow(req, 'identity:manage_user');
    const u = entity(req.body, 'user');
    noId(u, 'user');
    const fields = {
      name: name(u, 'name', 'user', true),
      domainId: optId(u, 'domain_id', 'user') ?? DEFAULT_DOMAIN_ID,
      enabled: bool(u, 'enabled', 'user') ?? true,
      defaultProjectId: optId(u, 'default_project_id', 'user') ?? null,
      email: email(u) ?? null,
      description: text(u, 'description', 'user') ?? '',
      options: options(u, 'options', 'user') ?? {},
      extra: extra(u),
    };
    const passwordHash = (await hash(password(u, 'password', 'user'))) ?? null;
    const user = await core.write(async (q) => {
      must(await getDomain(q, fields.domainId), 'domain', fields.domainId);
      if (fields.defaultProjectId && !(await getProject(q, fields.defaultProjectId))) {
        throw badRequest(`Could not find project: ${fields.defaultProjectId}.`);
      }
      return createUser(q, { ...fields, passwordHash }, core.now());
    });
    return reply.code(201).send({ user: userView(req, user) });
  });

  app.patch<{ Params: IdParams }>('/v3/users/:id', async (req) => {
    allow(req, 'identity:manage_user');
    const u = entity(req.body, 'user');
    if (u.domain_id !== undefined)
      throw badRequest("Invalid input for field 'user.domain_id': it cannot change.");
    const changes = {
      name: name(u, 'name', 'user', false),
      enabled: bool(u, 'enabled', 'user'),
      defaultProjectId: optId(u, 'default_project_id', 'user'),
      email: email(u),
      description: text(u, 'description', 'user'),
      options: options(u, 'options', 'user'),
      passwordHash: await hash(password(u, 'password', 'user')),
    };
    const id = req.params.id;
    const user = await core.write(async (q, revoke) => {
      const added = extra(u);
      if (Object.keys(added).length > 0) {
        const current = must(await getUser(q, id), 'user', id);
        Object.assign(changes, { extra: { ...current.extra, ...added } });
      }
      if (changes.defaultProjectId && !(await getProject(q, changes.defaultProjectId))) {
        throw badRequest(`Could not find project: ${changes.defaultProjectId}.`);
      }
      const updated = must(await updateUser(q, id, changes, core.now()), 'user', id);
      if (changes.enabled === false || changes.passwordHash)
        await revoke({ userId: id, issuedBefore: core.now() });
      return updated;
    });
    return { user: userView(req, user) };
  });

  app.delete<{ Params: IdParams }>('/v3/users/:id', async (req, reply) => {
    allow(req, 'identity:manage_user');
    const id = req.params.id;
    await core.write(async (q, revoke) => {
      if (!(await deleteUser(q, id))) must(undefined, 'user', id);
      await revoke({ userId: id, issuedBefore: core.now() });
    });
    return reply.code(204).send();
  });

  // A user changes its own password, proving the old one (throttled like a login). Like keystone, no
  // token is needed: a user whose password has expired must still be able to change it.
  app.post<{ Params: IdParams }>(
    '/v3/users/:id/password',
    { config: { public: true } },
    async (req, reply) => {
      const u = entity(req.body, 'user');
      const original = password(u, 'original_password', 'user');
      const next = password(u, 'password', 'user');
      if (original === undefined || next === undefined) {
        throw badRequest("Invalid input: 'user.password' and 'user.original_password' are required.");
      }
      const id = req.params.id;
      const stored = await getPasswordHash(core.db, id);
      const ok = await checkSecret(core, [`id:${id}`], () =>
        stored ? verifySecret(original, stored) : burnVerify(core.settings.hashCost),
      );
      if (!ok) throw unauthorized(AUTH_FAILED);
      const passwordHash = await hashSecret(next, core.settings.hashCost);
      await core.write(async (q, revoke) => {
        must(await updateUser(q, id, { passwordHash }, core.now()), 'user', id);
        await revoke({ userId: id, issuedBefore: core.now() });
      });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: IdParams }>('/v3/users/:id/projects', async (req) => {
    allow(req, 'identity:list_user_projects', { userId: req.params.id });
    must(await getUser(core.db, req.params.id), 'user', req.params.id);
    const groupIds = (await groupsOfUser(core.db, req.params.id)).map((g) => g.id);
    const held = await listAssignments(core.db, {
      actorIds: [req.params.id, ...groupIds],
      targetType: 'project',
    });
    const projects = await listProjects(core.db, { ids: held.map((a) => a.targetId) });
    return list(
      req,
      'projects',
      projects.map((p) => projectView(req, p)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/users/:id/groups', async (req) => {
    allow(req, 'identity:list_user_groups', { userId: req.params.id });
    must(await getUser(core.db, req.params.id), 'user', req.params.id);
    const groups = await groupsOfUser(core.db, req.params.id);
    return list(
      req,
      'groups',
      groups.map((g) => groupView(req, g)),
    );
  });

  app.get('/v3/groups', async (req) => {
    allow(req, 'identity:list_groups');
    const groups = await listGroups(core.db, {
      name: qs(req.query, 'name'),
      domainId: qs(req.query, 'domain_id'),
    });
    return list(
      req,
      'groups',
      groups.map((g) => groupView(req, g)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/groups/:id', async (req) => {
    allow(req, 'identity:get_group');
    return { group: groupView(req, must(await getGroup(core.db, req.params.id), 'group', req.params.id)) };
  });

  app.post('/v3/groups', async (req, reply) => {
    allow(req, 'identity:manage_group');
    const g = entity(req.body, 'group');
    noId(g, 'group');
    const fields = {
      name: name(g, 'name', 'group', true),
      domainId: optId(g, 'domain_id', 'group') ?? DEFAULT_DOMAIN_ID,
      description: text(g, 'description', 'group') ?? '',
    };
    const group = await core.write(async (q) => {
      must(await getDomain(q, fields.domainId), 'domain', fields.domainId);
      return createGroup(q, fields);
    });
    return reply.code(201).send({ group: groupView(req, group) });
  });

  app.patch<{ Params: IdParams }>('/v3/groups/:id', async (req) => {
    allow(req, 'identity:manage_group');
    const g = entity(req.body, 'group');
    if (g.domain_id !== undefined)
      throw badRequest("Invalid input for field 'group.domain_id': it cannot change.");
    const changes = { name: name(g, 'name', 'group', false), description: text(g, 'description', 'group') };
    const group = await core.write(async (q) =>
      must(await updateGroup(q, req.params.id, changes), 'group', req.params.id),
    );
    return { group: groupView(req, group) };
  });

  app.delete<{ Params: IdParams }>('/v3/groups/:id', async (req, reply) => {
    allow(req, 'identity:manage_group');
    await core.write(async (q) => {
      if (!(await deleteGroup(q, req.params.id))) must(undefined, 'group', req.params.id);
    });
    return reply.code(204).send();
  });

  app.get<{ Params: IdParams }>('/v3/groups/:id/users', async (req) => {
    allow(req, 'identity:get_group');
    must(await getGroup(core.db, req.params.id), 'group', req.params.id);
    const users = await usersOfGroup(core.db, req.params.id);
    return list(
      req,
      'users',
      users.map((u) => userView(req, u)),
    );
  });

  type Membership = { Params: { id: string; userId: string } };
  const both = async (id: string, userId: string) => {
    must(await getGroup(core.db, id), 'group', id);
    must(await getUser(core.db, userId), 'user', userId);
  };
  app.put<Membership>('/v3/groups/:id/users/:userId', async (req, reply) => {
    allow(req, 'identity:manage_group');
    await both(req.params.id, req.params.userId);
    await core.write((q) => addMember(q, req.params.id, req.params.userId));
    return reply.code(204).send();
  });
  // GET answers HEAD too (Fastify strips the body).
  app.get<Membership>('/v3/groups/:id/users/:userId', async (req, reply) => {
    const auth = caller(req);
    allow(req, auth.userId === req.params.userId ? 'identity:list_user_groups' : 'identity:get_group', {
      userId: req.params.userId,
    });
    await both(req.params.id, req.params.userId);
    if (!(await isMember(core.db, req.params.id, req.params.userId))) {
      must(undefined, 'membership of user in group', `${req.params.userId}, ${req.params.id}`);
    }
    return reply.code(204).send();
  });
  app.delete<Membership>('/v3/groups/:id/users/:userId', async (req, reply) => {
    allow(req, 'identity:manage_group');
    await both(req.params.id, req.params.userId);
    const removed = await core.write((q) => removeMember(q, req.params.id, req.params.userId));
    if (!removed) must(undefined, 'membership of user in group', `${req.params.userId}, ${req.params.id}`);
    return reply.code(204).send();
  });
}
