// /v1/chassis: a description and extra grouping nodes; a chassis with nodes cannot be deleted.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newChassis, patchChassis } from '../model/chassis.ts';
import { invalidState, notFound } from '../model/errors.ts';
import { parsePatch } from '../model/json-patch.ts';
import { isUuid } from '../model/node-input.ts';
import { enforce, input, iso, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { chassisView, nodeListView } from './views.ts';

export function chassisRoutes(app: FastifyInstance, api: ApiContext) {
  const find = async (uuid: string) => {
    const c = isUuid(uuid) ? await api.chassis.get(uuid) : undefined;
    if (!c) throw notFound('Chassis', uuid, 'ChassisNotFound');
    return c;
  };
  const list = async (req: FastifyRequest) => {
    enforce(req, 'chassis:get');
    return { chassis: (await api.chassis.list()).map((c) => chassisView(req, c)) };
  };
  app.get('/v1/chassis', (req) => list(req));
  app.get('/v1/chassis/detail', (req) => list(req));
  app.get('/v1/chassis/:uuid', async (req) => {
    enforce(req, 'chassis:get');
    return chassisView(req, await find((req.params as { uuid: string }).uuid));
  });
  app.get('/v1/chassis/:uuid/nodes', async (req) => {
    enforce(req, 'chassis:get');
    const c = await find((req.params as { uuid: string }).uuid);
    return { nodes: (await api.nodes.list({ chassis_uuid: c.uuid })).map((n) => nodeListView(req, n)) };
  });
  app.post('/v1/chassis', async (req, reply) => {
    enforce(req, 'chassis:manage');
    const body = objectBody(req);
    const c = newChassis(body, { uuid: randomUUID(), now: iso(Date.now()) });
    await api.chassis.insert(c);
    return reply.code(201).send(chassisView(req, c));
  });
  app.patch('/v1/chassis/:uuid', async (req) => {
    enforce(req, 'chassis:manage');
    const c = await find((req.params as { uuid: string }).uuid);
    const ops = input(() => parsePatch(req.body));
    input(() => patchChassis(c, ops));
    c.updated_at = iso(Date.now());
    await api.chassis.save(c);
    return chassisView(req, c);
  });
  app.delete('/v1/chassis/:uuid', async (req, reply) => {
    enforce(req, 'chassis:manage');
    const c = await find((req.params as { uuid: string }).uuid);
    if ((await api.nodes.list({ chassis_uuid: c.uuid })).length > 0)
      throw invalidState(`Chassis ${c.uuid} contains nodes.`);
    await api.chassis.delete(c.uuid);
    return reply.code(204).send();
  });
}
