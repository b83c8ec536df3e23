// GET /v3/role_assignments with Keystone's filters, `effective` (groups expanded to their members, implied
// roles listed) and `include_names` (what `openstack role assignment list --names` needs).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../../platform/db/types.ts';
import { badRequest } from '../../platform/errors/catalogue.ts';
import type { IdentityCore } from '../core.ts';
import { effectiveAssignments } from '../model/roles.ts';
import type { Assignment, TargetType } from '../model/types.ts';
import { listDomains, listProjects } from '../store/resources.ts';
import { listAssignments, listImplications, listRoles } from '../store/roles.ts';
import { listGroups, listUsers, usersOfGroup } from '../store/users.ts';
import { caller } from './auth.ts';
import { allow } from './common.ts';
import { qs, qsFlag } from './input.ts';
import { publicBase } from './render.ts';

type Row = Assignment & { viaGroup?: string; priorRole?: string };

interface Names {
  role: Map<string, { name: string; domainId: string | null }>;
  user: Map<string, { name: string; domainId: string }>;
  group: Map<string, { name: string; domainId: string }>;
  project: Map<string, { name: string; domainId: string }>;
  domain: Map<string, string>;
}

async function names(q: Queryable): Promise<Names> {
  return {
    role: new Map((await listRoles(q, {})).map((r) => [r.id, { name: r.name, domainId: r.domainId }])),
    user: new Map((await listUsers(q, {})).map((u) => [u.id, { name: u.name, domainId: u.domainId }])),
    group: new Map((await listGroups(q, {})).map((g) => [g.id, { name: g.name, domainId: g.domainId }])),
    project: new Map((await listProjects(q, {})).map((p) => [p.id, { name: p.name, domainId: p.domainId }])),
    domain: new Map((await listDomains(q, {})).map((d) => [d.id, d.name])),
  };
}

function view(req: FastifyRequest, a: Row, n: Names | undefined) {
  const domainRef = (id: string) => ({ id, ...(n ? { name: n.domain.get(id) ?? '' } : {}) });
  const named = (map: Map<string, { name: string; domainId: string }> | undefined, id: string) => {
    const e = map?.get(id);
    return { id, ...(n && e ? { name: e.name, domain: domainRef(e.domainId) } : {}) };
  };
  const role = n?.role.get(a.roleId);
  const scope =
    a.targetType === 'system'
      ? { system: { all: true } }
      : a.targetType === 'project'
        ? { project: named(n?.project, a.targetId) }
        : { domain: domainRef(a.targetId) };
  const base = publicBase(req);
  const target = a.targetType === 'system' ? 'system' : `${a.targetType}s/${a.targetId}`;
  const actorPath = a.viaGroup ? `groups/${a.viaGroup}` : `${a.actorType}s/${a.actorId}`;
  return {
    role: {
      id: a.roleId,
      ...(n && role
        ? { name: role.name, ...(role.domainId ? { domain: domainRef(role.domainId) } : {}) }
        : {}),
    },
    [a.actorType]: named(a.actorType === 'user' ? n?.user : n?.group, a.actorId),
    scope,
    links: {
      assignment: `${base}/v3/${target}/${actorPath}/roles/${a.priorRole ?? a.roleId}`,
      ...(a.viaGroup ? { membership: `${base}/v3/groups/${a.viaGroup}/users/${a.actorId}` } : {}),
      ...(a.priorRole ? { prior_role: `${base}/v3/roles/${a.priorRole}` } : {}),
    },
  };
}

export function assignmentRoutes(app: FastifyInstance, core: IdentityCore): void {
  app.get('/v3/role_assignments', async (req) => {
    const query = req.query;
    const userId = qs(query, 'user.id');
    const groupId = qs(query, 'group.id');
    const roleId = qs(query, 'role.id');
    const projectId = qs(query, 'scope.project.id');
    const domainId = qs(query, 'scope.domain.id');
    const system = qs(query, 'scope.system');
    const effective = qsFlag(query, 'effective');
    const includeNames = qsFlag(query, 'include_names');
    if (userId && groupId) throw badRequest('Specify at most one of user.id and group.id.');
    if ([projectId, domainId, system].filter((x) => x !== undefined).length > 1) {
      throw badRequest('Specify at most one of scope.project.id, scope.domain.id and scope.system.');
    }
    if (effective && groupId) throw badRequest('effective cannot be combined with group.id.');
    // A user may list its own assignments; everything else is the admin's.
    allow(
      req,
      userId && userId === caller(req).userId
        ? 'identity:list_own_role_assignments'
        : 'identity:list_role_assignments',
      {
        userId: userId ?? null,
      },
    );
    const targetType: TargetType | undefined = projectId
      ? 'project'
      : domainId
        ? 'domain'
        : system
          ? 'system'
          : undefined;
    const targetId = projectId ?? domainId ?? (system ? 'all' : undefined);
    let rows: Row[] = await listAssignments(core.db, { targetType, targetId });
    if (effective) {
      const members = new Map<string, string[]>();
      for (const groupRow of rows.filter((r) => r.actorType === 'group')) {
        if (!members.has(groupRow.actorId)) {
          members.set(
            groupRow.actorId,
            (await usersOfGroup(core.db, groupRow.actorId)).map((u) => u.id),
          );
        }
      }
      rows = effectiveAssignments(rows, members, await listImplications(core.db));
      // Domain-specific roles are not effective themselves: only the global roles they imply are.
      const domainRoles = new Set((await listRoles(core.db, {})).filter((r) => r.domainId).map((r) => r.id));
      rows = rows.filter((r) => !domainRoles.has(r.roleId));
    }
    rows = rows.filter(
      (r) =>
        (!userId || (r.actorType === 'user' && r.actorId === userId)) &&
        (!groupId || (r.actorType === 'group' && r.actorId === groupId)) &&
        (!roleId || r.roleId === roleId),
    );
    const n = includeNames ? await names(core.db) : undefined;
    return {
      role_assignments: rows.map((r) => view(req, r, n)),
      links: { self: `${publicBase(req)}${req.url}`, previous: null, next: null },
    };
  });
}
