// /v1/chassis: a description and extra grouping nodes; a chassis with nodes cannot be deleted.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, invalidState, notFound } from '../model/errors.ts';
import { parsePatch } from '../model/json-patch.ts';
import { isUuid } from '../model/node-input.ts';
import type { Chassis } from '../store/chassis.ts';
import { enforce, input, iso, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { chassisView, nodeListView } from './views.ts';

function describe(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 255)
    throw invalid('description must be a string of at most 255 characters.');
  return v;
}

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
    for (const k of Object.keys(body))
      if (!['uuid', 'description', 'extra'].includes(k)) throw invalid(`Unknown attribute for chassis: ${k}`);
    if (body.uuid !== undefined && (typeof body.uuid !== 'string' || !isUuid(body.uuid)))
      throw invalid('Invalid chassis uuid.');
    if (
      body.extra !== undefined &&
      (typeof body.extra !== 'object' || body.extra === null || Array.isArray(body.extra))
    )
      throw invalid('extra must be an object.');
    const c: Chassis = {
      uuid: (body.uuid as string | undefined)?.toLowerCase() ?? randomUUID(),
      description: describe(body.description),
      extra: (body.extra as Chassis['extra'] | undefined) ?? {},
      created_at: iso(Date.now()),
      updated_at: null,
    };
    await api.chassis.insert(c);
    return reply.code(201).send(chassisView(req, c));
  });
  app.patch('/v1/chassis/:uuid', async (req) => {
    enforce(req, 'chassis:manage');
    const c = await find((req.params as { uuid: string }).uuid);
    const ops = input(() => parsePatch(req.body));
    for (const op of ops) {
      const [field, ...rest] = op.path.slice(1).split('/');
      const v = op.op === 'remove' ? undefined : op.value;
      if (field === 'description' && rest.length === 0) c.description = describe(v);
      else if (field === 'extra' && rest.length > 0) {
        if (v === undefined) delete c.extra[rest.join('/')];
        else c.extra[rest.join('/')] = v as Chassis['extra'][string];
      } else if (field === 'extra') c.extra = (v as Chassis['extra'] | undefined) ?? {};
      else throw invalid(`'/${field}' can not be updated`);
    }
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
