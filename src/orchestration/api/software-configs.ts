// Software configs (`openstack software config create|show|list|delete`): immutable rows.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../../platform/errors/catalogue.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { SoftwareConfigRow } from '../store/stacks.ts';
import { callerOf, type OrchestrationApi, qs } from './deps.ts';
import { heat } from './render.ts';
import { iso } from './views.ts';

type P = { tenant: string; id: string };

const view = (c: SoftwareConfigRow): JsonMap => ({
  id: c.id,
  name: c.name,
  group: c.group,
  config: c.config,
  inputs: c.inputs,
  outputs: c.outputs,
  options: c.options,
  creation_time: iso(c.createdAt),
  project: c.projectId,
});

export function registerSoftwareConfigs(app: FastifyInstance, api: OrchestrationApi): void {
  app.get<{ Params: P }>('/v1/:tenant/software_configs', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:read');
      const limit = qs(req, 'limit');
      const rows = await api.store.configs(caller.projectId, limit === undefined ? undefined : Number(limit));
      return {
        software_configs: rows.map((c) => ({
          id: c.id,
          name: c.name,
          group: c.group,
          creation_time: iso(c.createdAt),
        })),
      };
    }),
  );

  app.post<{ Params: P }>('/v1/:tenant/software_configs', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:write');
      const b = isMap(req.body) ? req.body : {};
      if (typeof b.name !== 'string' || b.name === '') throw badRequest('A software config needs a name.');
      for (const k of ['inputs', 'outputs']) {
        if (b[k] != null && !Array.isArray(b[k])) throw badRequest(`"${k}" must be a list.`);
      }
      if (b.options != null && !isMap(b.options)) throw badRequest('"options" must be a map.');
      const row: SoftwareConfigRow = {
        id: randomUUID(),
        projectId: caller.projectId,
        name: b.name,
        group: typeof b.group === 'string' ? b.group : 'Heat::Ungrouped',
        config: typeof b.config === 'string' ? b.config : b.config == null ? '' : JSON.stringify(b.config),
        inputs: Array.isArray(b.inputs) ? b.inputs : [],
        outputs: Array.isArray(b.outputs) ? b.outputs : [],
        options: isMap(b.options) ? b.options : {},
        createdAt: Date.now(),
      };
      await api.store.insertConfig(api.store.db, row);
      return { software_config: view(row) };
    }),
  );

  const own = async (projectId: string, id: string) => {
    const c = await api.store.config(id);
    if (!c || c.projectId !== projectId)
      throw notFound(`Software config with id ${id} not found`, { type: 'NotFound' });
    return c;
  };

  app.get<{ Params: P }>('/v1/:tenant/software_configs/:id', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:read');
      return { software_config: view(await own(caller.projectId, req.params.id)) };
    }),
  );

  app.delete<{ Params: P }>('/v1/:tenant/software_configs/:id', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:write');
      await own(caller.projectId, req.params.id);
      await api.store.deleteConfig(api.store.db, req.params.id);
      return reply.code(204).send();
    }),
  );
}
