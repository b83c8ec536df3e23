// /v3/roles, implied roles, and grants of a role to a user or group on a project, a domain or the system.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../../platform/errors/catalogue.ts';
import type { IdentityCore } from '../core.ts';
import type { ActorType, Assignment, TargetType } from '../model/types.ts';
import { getDomain, getProject } from '../store/resources.ts';
import {
  addImplication,
  createRole,
  deleteRole,
  getRole,
  grant,
  hasAssignment,
  listAssignments,
  listImplications,
  listRoles,
  removeImplication,
  revoke,
  rolesByIds,
  updateRole,
} from '../store/roles.ts';
import { getGroup, getUser } from '../store/users.ts';
import { allow, type IdParams, must } from './common.ts';
import { entity, name, noId, optId, options, qs, text } from './input.ts';
import { publicBase } from './render.ts';
import { list, roleView } from './views.ts';

export function roleRoutes(app: FastifyInstance, core: IdentityCore): void {
  app.get('/v3/roles', async (req) => {
    allow(req, 'identity:list_roles');
    const roles = await listRoles(core.db, {
      name: qs(req.query, 'name'),
      domainId: qs(req.query, 'domain_id') ?? null,
    });
    return list(
      req,
      'roles',
      roles.map((r) => roleView(req, r)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/roles/:id', async (req) => {
    allow(req, 'identity:get_role');
    return { role: roleView(req, must(await getRole(core.db, req.params.id), 'role', req.params.id)) };
  });

  app.post('/v3/roles', async (req, reply) => {
    allow(req, 'identity:manage_role');
    const r = entity(req.body, 'role');
    noId(r, 'role');
    const fields = {
      name: name(r, 'name', 'role', true),
      domainId: optId(r, 'domain_id', 'role') ?? null,
      description: text(r, 'description', 'role') ?? '',
      options: options(r, 'options', 'role') ?? {},
    };
    const role = await core.write(async (q) => {
      if (fields.domainId) must(await getDomain(q, fields.domainId), 'domain', fields.domainId);
      return createRole(q, fields);
    });
    return reply.code(201).send({ role: roleView(req, role) });
  });

  app.patch<{ Params: IdParams }>('/v3/roles/:id', async (req) => {
    allow(req, 'identity:manage_role');
    const r = entity(req.body, 'role');
    if (r.domain_id !== undefined)
      throw badRequest("Invalid input for field 'role.domain_id': it cannot change.");
    const changes = {
      name: name(r, 'name', 'role', false),
      description: text(r, 'description', 'role'),
      options: options(r, 'options', 'role'),
    };
    const role = await core.write(async (q) =>
      must(await updateRole(q, req.params.id, changes), 'role', req.params.id),
    );
    return { role: roleView(req, role) };
  });

  app.delete<{ Params: IdParams }>('/v3/roles/:id', async (req, reply) => {
    allow(req, 'identity:manage_role');
    await core.write(async (q) => {
      if (!(await deleteRole(q, req.params.id))) must(undefined, 'role', req.params.id);
    });
    return reply.code(204).send();
  });

  // Implied roles: /v3/roles/{prior}/implies/{implied}.
  type Implies = { Params: { id: string; implied: string } };
  const inference = async (req: FastifyRequest, priorId: string, impliedIds: string[]) => {
    const prior = must(await getRole(core.db, priorId), 'role', priorId);
    const implied = await rolesByIds(core.db, impliedIds);
    const ref = (r: { id: string; name: string }) => ({
      id: r.id,
      name: r.name,
      links: { self: `${publicBase(req)}/v3/roles/${r.id}` },
    });
    return { prior_role: ref(prior), implies: implied.map(ref) };
  };
  app.put<Implies>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    allow(req, 'identity:manage_role');
    const { id, implied } = req.params;
    await core.write(async (q) => {
      const prior = must(await getRole(q, id), 'role', id);
      const target = must(await getRole(q, implied), 'role', implied);
      if (id === implied) throw badRequest('A role cannot imply itself.');
      // Keystone: a global role must not imply a domain-specific one (it would reach tokens through it).
      if (prior.domainId === null && target.domainId !== null) {
        throw forbidden('A global role cannot imply a domain-specific role.');
      }
      await addImplication(q, id, implied);
    });
    const body = await inference(req, id, [implied]);
    return reply
      .code(201)
      .send({ role_inference: { prior_role: body.prior_role, implies: body.implies[0] } });
  });
  const mustImply = async (id: string, implied: string) => {
    const has = (await listImplications(core.db)).some((i) => i.prior === id && i.implied === implied);
    if (!has) must(undefined, 'implied role', `${id} implies ${implied}`);
  };
  // GET shows the rule (200); HEAD checks it (204, as keystone answers).
  app.get<Implies>('/v3/roles/:id/implies/:implied', { exposeHeadRoute: false }, async (req) => {
    allow(req, 'identity:get_role');
    await mustImply(req.params.id, req.params.implied);
    const body = await inference(req, req.params.id, [req.params.implied]);
    return { role_inference: { prior_role: body.prior_role, implies: body.implies[0] } };
  });
  app.head<Implies>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    allow(req, 'identity:get_role');
    await mustImply(req.params.id, req.params.implied);
    return reply.code(204).send();
  });
  app.delete<Implies>('/v3/roles/:id/implies/:implied', async (req, reply) => {
    allow(req, 'identity:manage_role');
    const { id, implied } = req.params;
    const removed = await core.write((q) => removeImplication(q, id, implied));
    if (!removed) must(undefined, 'implied role', `${id} implies ${implied}`);
    return reply.code(204).send();
  });
  app.get<{ Params: IdParams }>('/v3/roles/:id/implies', async (req) => {
    allow(req, 'identity:get_role');
    const ids = (await listImplications(core.db))
      .filter((i) => i.prior === req.params.id)
      .map((i) => i.implied);
    return { role_inference: await inference(req, req.params.id, ids) };
  });
  app.get('/v3/role_inferences', async (req) => {
    allow(req, 'identity:list_roles');
    const all = await listImplications(core.db);
    const priors = [...new Set(all.map((i) => i.prior))];
    const out = [];
    for (const p of priors)
      out.push(
        await inference(
          req,
          p,
          all.filter((i) => i.prior === p).map((i) => i.implied),
        ),
      );
    return { role_inferences: out };
  });

  grantRoutes(app, core);
}

const ACTORS: Record<string, ActorType> = { users: 'user', groups: 'group' };
const TARGETS: Record<string, TargetType> = { projects: 'project', domains: 'domain' };

/** PUT/GET(HEAD)/DELETE .../{projects|domains}/{t}/{users|groups}/{a}/roles/{r}, the system variants,
 * and the role lists of one actor on one target. */
function grantRoutes(app: FastifyInstance, core: IdentityCore): void {
  type P = { targets?: string; target?: string; actors: string; actor: string; role?: string };
  const parse = async (p: P): Promise<Omit<Assignment, 'roleId'>> => {
    const actorType = ACTORS[p.actors];
    const targetType: TargetType | undefined = p.targets ? TARGETS[p.targets] : 'system';
    if (!actorType || !targetType) must(undefined, 'resource', `${p.targets ?? 'system'}/${p.actors}`);
    const targetId = p.target ?? 'all';
    if (targetType === 'project') must(await getProject(core.db, targetId), 'project', targetId);
    if (targetType === 'domain') must(await getDomain(core.db, targetId), 'domain', targetId);
    if (actorType === 'user') must(await getUser(core.db, p.actor), 'user', p.actor);
    else must(await getGroup(core.db, p.actor), 'group', p.actor);
    return { actorType: actorType!, actorId: p.actor, targetType: targetType!, targetId };
  };
  const one = async (p: P): Promise<Assignment> => {
    const base = await parse(p);
    must(await getRole(core.db, p.role!), 'role', p.role!);
    return { ...base, roleId: p.role! };
  };

  for (const prefix of ['/v3/:targets/:target', '/v3/system']) {
    app.put<{ Params: P }>(`${prefix}/:actors/:actor/roles/:role`, async (req, reply) => {
      allow(req, 'identity:manage_grant');
      const a = await one(req.params);
      await core.write((q) => grant(q, a));
      return reply.code(204).send();
    });
    app.get<{ Params: P }>(`${prefix}/:actors/:actor/roles/:role`, async (req, reply) => {
      allow(req, 'identity:list_role_assignments');
      const a = await one(req.params);
      if (!(await hasAssignment(core.db, a))) must(undefined, 'role assignment', `${a.roleId}`);
      return reply.code(204).send();
    });
    app.delete<{ Params: P }>(`${prefix}/:actors/:actor/roles/:role`, async (req, reply) => {
      allow(req, 'identity:manage_grant');
      const a = await one(req.params);
      if (!(await core.write((q) => revoke(q, a)))) must(undefined, 'role assignment', `${a.roleId}`);
      return reply.code(204).send();
    });
    app.get<{ Params: P }>(`${prefix}/:actors/:actor/roles`, async (req) => {
      allow(req, 'identity:list_role_assignments');
      const a = await parse(req.params);
      const held = await listAssignments(core.db, {
        actorType: a.actorType,
        actorIds: [a.actorId],
        targetType: a.targetType,
        targetId: a.targetId,
      });
      const roles = await rolesByIds(
        core.db,
        held.map((h) => h.roleId),
      );
      return list(
        req,
        'roles',
        roles.map((r) => roleView(req, r)),
      );
    });
  }
}
