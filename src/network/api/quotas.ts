// /v2.0/quotas: list, show, default, details (limit/used/reserved), set (PUT) and reset (DELETE).
import type { FastifyInstance } from 'fastify';
import { validateQuotaUpdate } from '../model/quotas.ts';
import { enforceAction, resourceBody, scopeOf } from './common.ts';
import type { ApiContext } from './context.ts';

export function quotaRoutes(app: FastifyInstance, api: ApiContext): void {
  app.get('/v2.0/quotas', async (req) => {
    const scope = scopeOf(req);
    const projects = scope.admin ? await api.quotas.projects() : [];
    const quotas = [];
    for (const p of projects) quotas.push({ ...(await api.quotas.limits(p)), project_id: p, tenant_id: p });
    return { quotas };
  });

  app.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: scopeOf(req).projectId ?? '' } }));
  app.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: scopeOf(req).projectId ?? '' } }));

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project', async (req) => {
    enforceAction(req, 'get_quota', { projectId: req.params.project });
    return { quota: await api.quotas.limits(req.params.project) };
  });

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project/default', async (req) => {
    enforceAction(req, 'get_quota', { projectId: req.params.project });
    return { quota: api.quotas.defaults() };
  });

  // Neutron accepts a format suffix on its URLs; tempest's client asks for details.json.
  for (const path of ['/v2.0/quotas/:project/details', '/v2.0/quotas/:project/details.json'])
    app.get<{ Params: { project: string } }>(path, async (req) => {
      enforceAction(req, 'get_quota', { projectId: req.params.project });
      const limits = await api.quotas.limits(req.params.project);
      const used = await api.quotas.usage(req.params.project);
      const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
      for (const [k, limit] of Object.entries(limits)) quota[k] = { limit, used: used[k] ?? 0, reserved: 0 };
      return { quota };
    });

  app.put<{ Params: { project: string } }>('/v2.0/quotas/:project', async (req) => {
    enforceAction(req, 'update_quota', { projectId: req.params.project });
    const limits = validateQuotaUpdate(resourceBody(req, 'quota'));
    return { quota: await api.quotas.set(req.params.project, limits) };
  });

  app.delete<{ Params: { project: string } }>('/v2.0/quotas/:project', async (req, reply) => {
    enforceAction(req, 'delete_quota', { projectId: req.params.project });
    await api.quotas.reset(req.params.project);
    return reply.code(204).send();
  });
}
