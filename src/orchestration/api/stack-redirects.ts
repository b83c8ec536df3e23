// A stack named by name or id alone answers with a redirect to stacks/{name}/{id}, as Heat does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf, type OrchestrationApi, stackNotFound } from './deps.ts';
import { heat } from './render.ts';
import type { StackPathParams } from './stack-request.ts';
import { baseUrl, stackPath } from './views.ts';

export function registerStackRedirects(app: FastifyInstance, api: OrchestrationApi): void {
  // name or id → stacks/{name}/{id}, keeping the sub-path and the query string.
  const redirect = async (
    req: FastifyRequest<{ Params: StackPathParams }>,
    reply: FastifyReply,
    sub?: string,
  ) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const { name } = req.params;
      const s = await api.store.findLive(caller.projectId, name);
      if (!s) throw stackNotFound(name);
      const q = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const rest = sub ? `/${sub}` : '';
      return reply
        .code(302)
        .header('location', `${baseUrl(req, caller.projectId)}/${stackPath(s)}${rest}${q}`)
        .send();
    });
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    app.route<{ Params: StackPathParams }>({
      method,
      url: '/v1/:tenant/stacks/:name',
      handler: (req, reply) => redirect(req, reply),
    });
  }
  for (const sub of [
    'abandon',
    'snapshots',
    'resources',
    'events',
    'template',
    'environment',
    'files',
    'actions',
    'outputs',
    'preview',
  ]) {
    app.route<{ Params: StackPathParams }>({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `/v1/:tenant/stacks/:name/${sub}`,
      handler: (req, reply) => redirect(req, reply, sub),
    });
  }
}
