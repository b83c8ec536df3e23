// Server groups (/os-server-groups): the pre-2.64 shape (policies, metadata) and the 2.64 one (policy, rules);
// project_id and user_id from 2.13.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAdmin } from '../../platform/policy/policy.ts';
import { parseServerGroupCreate } from '../model/server-group.ts';
import { groupNotFound, type ServerGroup, type ServerGroupStore } from '../store/server-groups.ts';
import { auth, bodyOf, enforce, intParam, param, since, version } from './common.ts';

function view(req: FastifyRequest, g: ServerGroup): Record<string, unknown> {
  const out: Record<string, unknown> = { id: g.id, name: g.name };
  if (since(req, 64)) {
    out.policy = g.policy;
    out.rules = g.rules;
  } else {
    out.policies = [g.policy];
    out.metadata = {};
  }
  out.members = g.members;
  if (since(req, 13)) {
    out.project_id = g.project_id;
    out.user_id = g.user_id;
  }
  return out;
}

export function serverGroupRoutes(app: FastifyInstance, groups: ServerGroupStore): void {
  app.post('/os-server-groups', async (req) => {
    enforce(req, 'server_groups:create', { projectId: auth(req).projectId });
    const spec = parseServerGroupCreate(bodyOf(req, 'server_group'), version(req));
    const g = await groups.create(auth(req).projectId ?? '', auth(req).userId, spec);
    return { server_group: view(req, g) };
  });

  app.get('/os-server-groups', async (req) => {
    enforce(req, 'server_groups:index');
    const all = /^(1|true|t|yes|y|on)$/i.test(param(req, 'all_projects') ?? '');
    if (all) enforce(req, 'server_groups:index:all_projects');
    const list = await groups.list(all ? undefined : (auth(req).projectId ?? ''));
    const offset = intParam(req, 'offset', 0) ?? 0;
    const limit = intParam(req, 'limit', 1);
    const page = list.slice(offset, limit === undefined ? undefined : offset + limit);
    return { server_groups: page.map((g) => view(req, g)) };
  });

  const visible = async (req: FastifyRequest, id: string, action: string) => {
    const g = await groups.get(id);
    // Another project's group is "not found" to a non-admin, as Nova scopes the lookup.
    if (!g || (!isAdmin(auth(req)) && g.project_id !== auth(req).projectId)) throw groupNotFound(id);
    enforce(req, action, { projectId: g.project_id });
    return g;
  };

  app.get<{ Params: { id: string } }>('/os-server-groups/:id', async (req) => ({
    server_group: view(req, await visible(req, req.params.id, 'server_groups:show')),
  }));

  app.delete<{ Params: { id: string } }>('/os-server-groups/:id', async (req, reply) => {
    const g = await visible(req, req.params.id, 'server_groups:delete');
    await groups.delete(g.id);
    return reply.code(204).send();
  });
}
