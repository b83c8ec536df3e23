// /v1/portgroups (1.23): create for a node, list (node, address, detail, fields, paging), show by UUID or
// name, JSON-patch, delete when no port is in the group; /v1/nodes/{node}/portgroups and
// /v1/portgroups/{group}/ports. A group is visible to whoever may see its node.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { duplicate, invalid, invalidState, notAcceptable, notFound } from '../model/errors.ts';
import { parsePatch } from '../model/json-patch.ts';
import { type ListQuery, nextUrl, one, page, parseListQuery, type Query } from '../model/list.ts';
import { isUuid } from '../model/node-input.ts';
import { normaliseMac } from '../model/port.ts';
import {
  newPortgroup,
  PORTGROUP_FIELD_VERSION,
  PORTGROUP_FIELDS,
  type Portgroup,
  patchPortgroup,
} from '../model/portgroup.ts';
import type { PortgroupFilter } from '../store/portgroups.ts';
import { admin, authOf, can, enforce, findNode, input, iso, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { baseUrl } from './discovery.ts';
import { portgroupListView, portgroupView, portListView } from './views.ts';

const SORTABLE = new Set(['id', 'uuid', 'name', 'address', 'node_uuid', 'created_at', 'updated_at']);

const needs = (req: FastifyRequest) => {
  if (minorOf(req) < 23) throw notAcceptable('Port groups need API version 1.23.');
};

const pgNotFound = (ident: string) => notFound('Portgroup', ident, 'PortgroupNotFound');

/** A group by UUID or name, if the caller may see its node; else 404. */
export async function findPortgroup(api: ApiContext, req: FastifyRequest, ident: string): Promise<Portgroup> {
  const pg = isUuid(ident) ? await api.portgroups.get(ident) : await api.portgroups.byName(ident);
  if (!pg) throw pgNotFound(ident);
  const node = await api.nodes.get(pg.node_uuid);
  if (!node || !can(req, 'portgroup:get', node)) throw pgNotFound(ident);
  return pg;
}

async function listPortgroups(
  api: ApiContext,
  req: FastifyRequest,
  path: string,
  detailRoute: boolean,
  nodeUuid?: string,
) {
  needs(req);
  const q = req.query as Query;
  const minor = minorOf(req);
  const known = PORTGROUP_FIELDS.filter((f) => (PORTGROUP_FIELD_VERSION[f] ?? 1) <= minor);
  const lq: ListQuery = input(() => parseListQuery(q, { sortable: SORTABLE, known, defaultSort: 'id' }));
  if (detailRoute && (lq.fields || lq.detail))
    throw invalid('Can not specify ?detail=True or fields with /detail.');
  const filter: PortgroupFilter = {};
  const nodeIdent = nodeUuid ?? one(q, 'node') ?? one(q, 'node_uuid');
  if (nodeIdent !== undefined) filter.node_uuid = (await findNode(api, req, nodeIdent)).uuid;
  const address = one(q, 'address');
  if (address !== undefined) filter.address = input(() => normaliseMac(address));
  if (!admin(req)) {
    const project = authOf(req).projectId ?? '\u0000none';
    filter.nodeUuids = (await api.nodes.list({ project })).map((n) => n.uuid);
  }
  const groups = await api.portgroups.list(filter);
  const result = input(() =>
    page(groups, lq, (g, k) => (k === 'id' ? g.created_at : (g as unknown as Record<string, unknown>)[k])),
  );
  const view = (g: Portgroup) =>
    detailRoute || lq.detail
      ? portgroupView(req, g)
      : lq.fields
        ? portgroupView(req, g, lq.fields)
        : portgroupListView(req, g);
  const body: Record<string, unknown> = { portgroups: result.items.map(view) };
  const last = result.items[result.items.length - 1];
  if (result.more && last && lq.limit !== undefined)
    body.next = nextUrl(`${baseUrl(req)}/v1/${path}`, q, last.uuid, lq.limit);
  return body;
}

export function portgroupRoutes(app: FastifyInstance, api: ApiContext) {
  const ident = (req: FastifyRequest) => (req.params as { ident: string }).ident;

  app.get('/v1/portgroups', (req) => listPortgroups(api, req, 'portgroups', false));
  app.get('/v1/portgroups/detail', (req) => listPortgroups(api, req, 'portgroups/detail', true));
  app.get('/v1/nodes/:ident/portgroups', async (req) => {
    needs(req);
    const node = await findNode(api, req, ident(req));
    return listPortgroups(api, req, `nodes/${node.uuid}/portgroups`, false, node.uuid);
  });

  app.get('/v1/portgroups/:ident', async (req) => {
    needs(req);
    const pg = await findPortgroup(api, req, ident(req));
    const fields = one(req.query as Query, 'fields');
    return portgroupView(req, pg, fields?.split(','));
  });

  app.get('/v1/portgroups/:ident/ports', async (req) => {
    needs(req);
    const pg = await findPortgroup(api, req, ident(req));
    const ports = await api.ports.list({ node_uuid: pg.node_uuid, portgroup_uuid: pg.uuid });
    return { ports: ports.map((p) => portListView(req, p)) };
  });

  app.post('/v1/portgroups', async (req, reply) => {
    needs(req);
    enforce(req, 'portgroup:create');
    const body = objectBody(req);
    if (typeof body.node_uuid !== 'string') throw invalid('Mandatory field missing: node_uuid');
    if (!isUuid(body.node_uuid))
      throw invalid(`Expected a UUID but received ${body.node_uuid}.`, 'InvalidUUID');
    const node = await api.nodes.get(body.node_uuid);
    if (!node) throw invalid(`Node ${body.node_uuid} could not be found.`, 'NodeNotFound');
    const pg = input(() =>
      newPortgroup(body, minorOf(req), { uuid: randomUUID(), nodeUuid: node.uuid, now: iso(Date.now()) }),
    );
    await api.portgroups.insert(pg);
    reply.code(201).header('location', `${baseUrl(req)}/v1/portgroups/${pg.uuid}`);
    return portgroupView(req, pg);
  });

  app.patch('/v1/portgroups/:ident', async (req) => {
    needs(req);
    const pg = await findPortgroup(api, req, ident(req));
    enforce(req, 'portgroup:update');
    const ops = input(() => parsePatch(req.body));
    const next = input(() => patchPortgroup(pg, ops, minorOf(req)));
    next.updated_at = iso(Date.now());
    await api.db.tx(async (q) => {
      if (next.node_uuid !== pg.node_uuid) {
        if (!(await api.nodes.get(next.node_uuid, q)))
          throw invalid(`Node ${next.node_uuid} could not be found.`, 'NodeNotFound');
        // Its ports belong to the old node: a group moves only when empty.
        if ((await api.ports.list({ portgroup_uuid: pg.uuid }, q)).length > 0)
          throw invalidState(`Port group ${pg.uuid} has ports; it can not move to another node.`);
      }
      await api.portgroups.save(next, q);
    });
    return portgroupView(req, next);
  });

  app.delete('/v1/portgroups/:ident', async (req, reply) => {
    needs(req);
    const pg = await findPortgroup(api, req, ident(req));
    enforce(req, 'portgroup:delete');
    await api.db.tx(async (q) => {
      if ((await api.ports.list({ node_uuid: pg.node_uuid, portgroup_uuid: pg.uuid }, q)).length > 0)
        throw invalidState(`Port group ${pg.uuid} is not empty: remove its ports from it first.`);
      await api.portgroups.delete(pg.uuid, q);
    });
    return reply.code(204).send();
  });
}

/** For ports: the group a port joins must be on the port's node, and every port of a group must name the
 * same physical network (Ironic's rules; 400 and 409). */
export async function checkPortInGroup(
  api: ApiContext,
  port: { uuid: string; node_uuid: string; portgroup_uuid: string | null; physical_network: string | null },
): Promise<void> {
  if (port.portgroup_uuid === null) return;
  const pg = await api.portgroups.get(port.portgroup_uuid);
  if (!pg) throw invalid(`Port group ${port.portgroup_uuid} could not be found.`, 'PortgroupNotFound');
  if (pg.node_uuid !== port.node_uuid)
    throw invalid(`Port group ${pg.uuid} belongs to node ${pg.node_uuid}, not to the port's node.`);
  const others = (await api.ports.list({ node_uuid: pg.node_uuid, portgroup_uuid: pg.uuid })).filter(
    (p) => p.uuid !== port.uuid,
  );
  const nets = new Set(others.map((p) => p.physical_network));
  if (others.length > 0 && !(nets.size === 1 && nets.has(port.physical_network)))
    throw duplicate(
      `Port group ${pg.uuid} has ports with physical network ${[...nets].join(', ')}; ` +
        `the port's physical network ${port.physical_network} must be the same.`,
      'PortgroupPhysnetInconsistent',
    );
}
