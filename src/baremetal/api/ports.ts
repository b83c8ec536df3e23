// /v1/ports: MAC unique and lower-cased, node given by UUID (node_uuid) or, in lists, by name or UUID.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, portNotFound } from '../model/errors.ts';
import { parsePatch } from '../model/json-patch.ts';
import { type ListQuery, nextUrl, one, page, parseListQuery, type Query } from '../model/list.ts';
import { isUuid } from '../model/node-input.ts';
import {
  newPort,
  normaliseMac,
  PORT_FIELD_VERSION,
  PORT_FIELDS,
  type Port,
  patchPort,
} from '../model/port.ts';
import type { PortFilter } from '../store/ports.ts';
import { admin, authOf, can, enforce, findNode, input, iso, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { baseUrl } from './discovery.ts';
import { checkPortInGroup, findPortgroup } from './portgroups.ts';
import { portListView, portView } from './views.ts';

const SORTABLE = new Set([
  'id',
  'uuid',
  'address',
  'node_uuid',
  'created_at',
  'updated_at',
  'pxe_enabled',
  'physical_network',
]);

async function visiblePort(api: ApiContext, req: FastifyRequest, uuid: string): Promise<Port> {
  // Ports are named by UUID only (names come with 1.88): anything else, a MAC included, is a bad request.
  if (!isUuid(uuid)) throw invalid(`Expected a UUID but received ${uuid}.`, 'InvalidUUID');
  const p = await api.ports.get(uuid);
  if (!p) throw portNotFound(uuid);
  const node = await api.nodes.get(p.node_uuid);
  if (!node || !can(req, 'port:get', node)) throw portNotFound(uuid);
  return p;
}

async function listPorts(api: ApiContext, req: FastifyRequest, path: string, detailRoute: boolean) {
  const q = req.query as Query;
  const minor = minorOf(req);
  const known = PORT_FIELDS.filter((f) => (PORT_FIELD_VERSION[f] ?? 1) <= minor);
  const lq: ListQuery = input(() => parseListQuery(q, { sortable: SORTABLE, known, defaultSort: 'id' }));
  const filter: PortFilter = {};
  const nodeIdent = one(q, 'node') ?? one(q, 'node_uuid');
  if (nodeIdent !== undefined) filter.node_uuid = (await findNode(api, req, nodeIdent)).uuid;
  const address = one(q, 'address');
  if (address !== undefined) filter.address = input(() => normaliseMac(address));
  const pg = one(q, 'portgroup');
  if (pg !== undefined) filter.portgroup_uuid = (await findPortgroup(api, req, pg)).uuid;
  if (!admin(req)) {
    const project = authOf(req).projectId ?? '\u0000none';
    filter.nodeUuids = (await api.nodes.list({ project })).map((n) => n.uuid);
  }
  const ports = await api.ports.list(filter);
  const result = input(() =>
    page(ports, lq, (p, k) => (k === 'id' ? p.created_at : (p as unknown as Record<string, unknown>)[k])),
  );
  const view = (p: Port) =>
    detailRoute || lq.detail
      ? portView(req, p)
      : lq.fields
        ? portView(req, p, lq.fields)
        : portListView(req, p);
  const body: Record<string, unknown> = { ports: result.items.map(view) };
  const last = result.items[result.items.length - 1];
  if (result.more && last && lq.limit !== undefined)
    body.next = nextUrl(`${baseUrl(req)}/v1/${path}`, q, last.uuid, lq.limit);
  return body;
}

export function portRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/ports', (req) => listPorts(api, req, 'ports', false));
  app.get('/v1/ports/detail', (req) => listPorts(api, req, 'ports/detail', true));

  app.get('/v1/ports/:uuid', async (req) => {
    const p = await visiblePort(api, req, (req.params as { uuid: string }).uuid);
    const fields = one(req.query as Query, 'fields');
    return portView(req, p, fields?.split(','));
  });

  app.post('/v1/ports', async (req, reply) => {
    enforce(req, 'port:create');
    const body = objectBody(req);
    const nodeRef = body.node_uuid ?? body.node;
    if (typeof nodeRef !== 'string') throw invalid('Mandatory field missing: node_uuid');
    if (body.node_uuid !== undefined && !isUuid(nodeRef))
      throw invalid(`Expected a UUID but received ${nodeRef}.`, 'InvalidUUID');
    const node = await api.nodes
      .get(nodeRef)
      .then((n) => n ?? (minorOf(req) >= 5 ? api.nodes.byName(nodeRef) : undefined));
    // Ironic answers a port for a missing node as bad input (the node is a field of the body).
    if (!node) throw invalid(`Node ${nodeRef} could not be found.`, 'NodeNotFound');
    const port = input(() =>
      newPort(body, minorOf(req), { uuid: randomUUID(), nodeUuid: node.uuid, now: iso(Date.now()) }),
    );
    await checkPortInGroup(api, port);
    await api.ports.insert(port);
    reply.code(201).header('location', `${baseUrl(req)}/v1/ports/${port.uuid}`);
    return portView(req, port);
  });

  app.patch('/v1/ports/:uuid', async (req) => {
    const p = await visiblePort(api, req, (req.params as { uuid: string }).uuid);
    enforce(req, 'port:update');
    const ops = input(() => parsePatch(req.body));
    const next = input(() => patchPort(p, ops, minorOf(req)));
    if (next.node_uuid !== p.node_uuid && !(await api.nodes.get(next.node_uuid)))
      throw invalid(`Node ${next.node_uuid} could not be found.`, 'NodeNotFound');
    // Moving to another node leaves the group behind unless the patch names one there.
    if (next.node_uuid !== p.node_uuid && next.portgroup_uuid === p.portgroup_uuid)
      next.portgroup_uuid = null;
    await checkPortInGroup(api, next);
    next.updated_at = iso(Date.now());
    await api.ports.save(next);
    return portView(req, next);
  });

  app.delete('/v1/ports/:uuid', async (req, reply) => {
    const p = await visiblePort(api, req, (req.params as { uuid: string }).uuid);
    enforce(req, 'port:delete');
    await api.ports.delete(p.uuid);
    return reply.code(204).send();
  });
}
