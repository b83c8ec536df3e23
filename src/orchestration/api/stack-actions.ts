// Stack actions (check, suspend, resume, cancel_update) and the refusals of what this engine does not do.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../platform/errors/catalogue.ts';
import { callerOf, type OrchestrationApi, stackAt } from './deps.ts';
import { heat } from './render.ts';
import { body, type StackPathParams } from './stack-request.ts';

export function registerStackActions(app: FastifyInstance, api: OrchestrationApi): void {
  app.post<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/actions', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const b = body(req);
      const actions = Object.keys(b);
      if (actions.length !== 1) throw badRequest('Multiple actions specified', { type: 'HTTPBadRequest' });
      const action = actions[0] as string;
      switch (action) {
        case 'check':
          await api.engine.check(caller, s);
          break;
        case 'suspend':
          await api.engine.check(caller, s, 'SUSPEND');
          break;
        case 'resume':
          await api.engine.check(caller, s, 'RESUME');
          break;
        case 'cancel_update':
        case 'cancel_without_rollback':
          await api.engine.cancel(s);
          break;
        default:
          throw badRequest(
            `Invalid action ${action}: only check, suspend, resume and cancel_update are supported here.`,
            {
              type: 'HTTPBadRequest',
            },
          );
      }
      return reply.code(200).send();
    }),
  );

  // Abandon/adopt and snapshots are not part of this engine: say so instead of a bare 404.
  const absent = (what: string) => async (req: FastifyRequest<{ Params: StackPathParams }>) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      await stackAt(api, caller.projectId, req.params.name, req.params.id);
      throw badRequest(`Stack ${what} is not supported by this engine.`, { type: 'NotSupported' });
    });
  app.delete<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/abandon', absent('abandon'));
  app.post<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/snapshots', absent('snapshot'));
  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/snapshots', absent('snapshot listing'));
}
