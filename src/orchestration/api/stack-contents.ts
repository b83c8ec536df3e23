// What a stack holds, read back: its template, environment (hidden parameters masked), files and outputs.
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../platform/errors/catalogue.ts';
import type { Environment } from '../model/environment.ts';
import type { JsonMap } from '../model/template-format.ts';
import { callerOf, type OrchestrationApi, stackAt } from './deps.ts';
import { heat } from './render.ts';
import type { StackPathParams } from './stack-request.ts';
import { storedTemplate } from './views.ts';

export function registerStackContents(app: FastifyInstance, api: OrchestrationApi): void {
  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/template', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      return (await stackAt(api, caller.projectId, req.params.name, req.params.id)).template;
    }),
  );
  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/environment', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const env = s.environment as unknown as Environment;
      const hidden = new Set((storedTemplate(s)?.params ?? []).filter((p) => p.hidden).map((p) => p.name));
      const mask = (m: JsonMap) =>
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, hidden.has(k) ? '******' : v]));
      return {
        parameters: mask(env.parameters ?? {}),
        parameter_defaults: mask(env.parameter_defaults ?? {}),
        resource_registry: env.resource_registry ?? {},
        event_sinks: env.event_sinks ?? [],
        encrypted_param_names: env.encrypted_param_names ?? [],
      };
    }),
  );
  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/files', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      return (await stackAt(api, caller.projectId, req.params.name, req.params.id)).files;
    }),
  );

  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/outputs', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const t = storedTemplate(s);
      return {
        outputs: [...(t?.outputs.values() ?? [])].map((o) => ({
          output_key: o.name,
          description: o.description,
        })),
      };
    }),
  );
  app.get<{ Params: StackPathParams }>('/v1/:tenant/stacks/:name/:id/outputs/:key', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const o = (await api.engine.outputs(s)).find((x) => x.output_key === req.params.key);
      if (!o) throw notFound(`Specified output key ${req.params.key} not found.`, { type: 'NotFound' });
      return { output: o };
    }),
  );
}
