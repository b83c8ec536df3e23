// /v3/domains and /v3/projects. Disabling or deleting one revokes the tokens scoped to it.
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../platform/db/types.ts';
import { badRequest, conflict, forbidden } from '../../platform/errors/catalogue.ts';
import type { IdentityCore, Revoke } from '../core.ts';
import { DEFAULT_DOMAIN_ID, type Domain, type Project } from '../model/types.ts';
import {
  createDomain,
  createProject,
  deleteDomain,
  deleteProject,
  getDomain,
  getProject,
  listDomains,
  listProjects,
  projectHasChildren,
  updateDomain,
  updateProject,
} from '../store/resources.ts';
import { deleteRole, listRoles } from '../store/roles.ts';
import { deleteGroup, deleteUser, listGroups, listUsers } from '../store/users.ts';
import { allow, type IdParams, must } from './common.ts';
import { bool, entity, name, noId, optId, options, qs, qsBool, tags, text } from './input.ts';
import { domainAsProjectView, domainView, list, projectView } from './views.ts';

export function projectRoutes(app: FastifyInstance, core: IdentityCore): void {
  app.get('/v3/domains', async (req) => {
    allow(req, 'identity:list_domains');
    const domains = await listDomains(core.db, {
      name: qs(req.query, 'name'),
      enabled: qsBool(req.query, 'enabled'),
    });
    return list(
      req,
      'domains',
      domains.map((d) => domainView(req, d)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/domains/:id', async (req) => {
    allow(req, 'identity:get_domain');
    return {
      domain: domainView(req, must(await getDomain(core.db, req.params.id), 'domain', req.params.id)),
    };
  });

  app.post('/v3/domains', async (req, reply) => {
    allow(req, 'identity:manage_domain');
    const d = entity(req.body, 'domain');
    noId(d, 'domain');
    const domain = await core.write((q) =>
      createDomain(q, {
        name: name(d, 'name', 'domain', true, 64),
        description: text(d, 'description', 'domain') ?? '',
        enabled: bool(d, 'enabled', 'domain') ?? true,
        tags: tags(d, 'tags', 'domain') ?? [],
        options: options(d, 'options', 'domain') ?? {},
      }),
    );
    return reply.code(201).send({ domain: domainView(req, domain) });
  });

  app.patch<{ Params: IdParams }>('/v3/domains/:id', async (req) => {
    allow(req, 'identity:manage_domain');
    const d = entity(req.body, 'domain');
    const changes = {
      name: name(d, 'name', 'domain', false, 64),
      description: text(d, 'description', 'domain'),
      enabled: bool(d, 'enabled', 'domain'),
      tags: tags(d, 'tags', 'domain'),
      options: options(d, 'options', 'domain'),
    };
    const id = req.params.id;
    const domain = await core.write((q, revoke) => changeDomain(core, q, revoke, id, changes));
    return { domain: domainView(req, domain) };
  });

  app.delete<{ Params: IdParams }>('/v3/domains/:id', async (req, reply) => {
    allow(req, 'identity:manage_domain');
    const id = req.params.id;
    await core.write((q, revoke) => removeDomain(core, q, revoke, id));
    return reply.code(204).send();
  });

  app.get('/v3/projects', async (req) => {
    allow(req, 'identity:list_projects');
    // Domains are the projects acting as domains: ?is_domain=true lists them, and a plain list leaves them
    // out (Keystone filters is_domain=false unless asked).
    if (qsBool(req.query, 'is_domain') === true) {
      const domains = await listDomains(core.db, {
        name: qs(req.query, 'name'),
        enabled: qsBool(req.query, 'enabled'),
      });
      return list(
        req,
        'projects',
        domains.map((d) => domainAsProjectView(req, d)),
      );
    }
    const projects = await listProjects(core.db, {
      name: qs(req.query, 'name'),
      domainId: qs(req.query, 'domain_id'),
      enabled: qsBool(req.query, 'enabled'),
      parentId: qs(req.query, 'parent_id'),
    });
    // ?tags=a,b (all of them) and ?tags-any=a,b (any of them), as keystone filters.
    const all = qs(req.query, 'tags')?.split(',');
    const any = qs(req.query, 'tags-any')?.split(',');
    const matching = projects.filter(
      (p) => (!all || all.every((t) => p.tags.includes(t))) && (!any || any.some((t) => p.tags.includes(t))),
    );
    return list(
      req,
      'projects',
      matching.map((p) => projectView(req, p)),
    );
  });

  app.get<{ Params: IdParams }>('/v3/projects/:id', async (req) => {
    const project = await getProject(core.db, req.params.id);
    allow(req, 'identity:get_project', { projectId: req.params.id });
    if (!project) {
      const domain = await getDomain(core.db, req.params.id);
      if (domain) return { project: domainAsProjectView(req, domain) };
    }
    return { project: projectView(req, must(project, 'project', req.params.id)) };
  });

  app.post('/v3/projects', async (req, reply) => {
    allow(req, 'identity:manage_project');
    const p = entity(req.body, 'project');
    noId(p, 'project');
    const fields = {
      name: name(p, 'name', 'project', true, 64),
      description: text(p, 'description', 'project') ?? '',
      enabled: bool(p, 'enabled', 'project') ?? true,
      tags: tags(p, 'tags', 'project') ?? [],
      options: options(p, 'options', 'project') ?? {},
    };
    if (bool(p, 'is_domain', 'project') === true) {
      // A project acting as a domain is a domain: it has no domain and no parent of its own.
      if (p.domain_id !== undefined && p.domain_id !== null)
        throw badRequest('A project acting as a domain cannot have a domain_id.');
      if (p.parent_id !== undefined && p.parent_id !== null)
        throw badRequest('A project acting as a domain cannot have a parent.');
      const domain = await core.write((q) => createDomain(q, fields));
      return reply.code(201).send({ project: domainAsProjectView(req, domain) });
    }
    const parentId = optId(p, 'parent_id', 'project') ?? null;
    const askedDomain = optId(p, 'domain_id', 'project') ?? undefined;
    const project = await core.write(async (q) => {
      let parent: Project | undefined;
      let domainId = askedDomain;
      if (parentId !== null) {
        parent = await getProject(q, parentId);
        // A parent_id naming a domain means a top-level project in it, as keystone allows.
        if (!parent && !(await getDomain(q, parentId)))
          throw badRequest(`Could not find parent: ${parentId}.`);
        if (!parent) domainId ??= parentId;
      }
      domainId ??= parent?.domainId ?? DEFAULT_DOMAIN_ID;
      must(await getDomain(q, domainId), 'domain', domainId);
      if (parent && parent.domainId !== domainId)
        throw badRequest("A project must be in its parent's domain.");
      return createProject(q, { ...fields, domainId, parentId: parent?.id ?? null });
    });
    return reply.code(201).send({ project: projectView(req, project) });
  });

  app.patch<{ Params: IdParams }>('/v3/projects/:id', async (req) => {
    allow(req, 'identity:manage_project');
    const p = entity(req.body, 'project');
    for (const fixed of ['domain_id', 'parent_id', 'is_domain'] as const) {
      if (p[fixed] !== undefined)
        throw badRequest(`Invalid input for field 'project.${fixed}': it cannot change.`);
    }
    const changes = {
      name: name(p, 'name', 'project', false, 64),
      description: text(p, 'description', 'project'),
      enabled: bool(p, 'enabled', 'project'),
      tags: tags(p, 'tags', 'project'),
      options: options(p, 'options', 'project'),
    };
    const id = req.params.id;
    if (!(await getProject(core.db, id)) && (await getDomain(core.db, id))) {
      const domain = await core.write((q, revoke) => changeDomain(core, q, revoke, id, changes));
      return { project: domainAsProjectView(req, domain) };
    }
    const project = await core.write(async (q, revoke) => {
      const updated = must(await updateProject(q, id, changes), 'project', id);
      if (changes.enabled === false) await revoke({ projectId: id, issuedBefore: core.now() });
      return updated;
    });
    return { project: projectView(req, project) };
  });

  app.delete<{ Params: IdParams }>('/v3/projects/:id', async (req, reply) => {
    allow(req, 'identity:manage_project');
    const id = req.params.id;
    await core.write(async (q, revoke) => {
      if (!(await getProject(q, id)) && (await getDomain(q, id))) return removeDomain(core, q, revoke, id);
      must(await getProject(q, id), 'project', id);
      if (await projectHasChildren(q, id))
        throw conflict(`Project ${id} has child projects; delete them first.`);
      await deleteProject(q, id);
      await revoke({ projectId: id, issuedBefore: core.now() });
    });
    return reply.code(204).send();
  });
}

async function changeDomain(
  core: IdentityCore,
  q: Queryable,
  revoke: Revoke,
  id: string,
  changes: Parameters<typeof updateDomain>[2],
): Promise<Domain> {
  const updated = must(await updateDomain(q, id, changes), 'domain', id);
  if (changes.enabled === false) await revoke({ domainId: id, issuedBefore: core.now() });
  return updated;
}

/** Deletes a disabled domain and, like keystone, what it holds: projects, users, groups, roles. */
async function removeDomain(core: IdentityCore, q: Queryable, revoke: Revoke, id: string): Promise<void> {
  const domain = must(await getDomain(q, id), 'domain', id);
  if (domain.id === DEFAULT_DOMAIN_ID) throw forbidden('The default domain cannot be deleted.');
  if (domain.enabled) throw forbidden(`Cannot delete a domain that is enabled, please disable it first.`);
  for (const p of await listProjects(q, { domainId: id })) await deleteProject(q, p.id);
  for (const u of await listUsers(q, { domainId: id })) await deleteUser(q, u.id);
  for (const g of await listGroups(q, { domainId: id })) await deleteGroup(q, g.id);
  for (const r of await listRoles(q, { domainId: id })) await deleteRole(q, r.id);
  await deleteDomain(q, id);
  await revoke({ domainId: id, issuedBefore: core.now() });
}
