// /v1/nodes: create, list (six fields, detail, fields, filters, paging), show by name or UUID, JSON-patch
// under the node's lease, and delete with Ironic's state rules.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid, invalidState, nodeProtected, notAcceptable, notFound } from '../model/errors.ts';
import { parsePatch } from '../model/json-patch.ts';
import { type ListQuery, nextUrl, one, page, parseBool, parseListQuery, type Query } from '../model/list.ts';
import { fieldAvailable, NODE_FIELDS, type Node } from '../model/node.ts';
import { newNode } from '../model/node-create.ts';
import { patchNode } from '../model/node-patch.ts';
import { maskSecrets } from '../model/secrets.ts';
import type { NodeFilter } from '../store/nodes.ts';
import { authOf, can, enforce, findNode, input, iso, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { baseUrl } from './discovery.ts';
import { OWNER_FIELDS } from './policy.ts';
import { knownNodeFields, LIST_VIEW_FIELDS, nodesBody, nodeView, portListView } from './views.ts';

const SORTABLE = new Set([
  'id',
  'uuid',
  'name',
  'driver',
  'provision_state',
  'target_provision_state',
  'power_state',
  'maintenance',
  'resource_class',
  'conductor_group',
  'owner',
  'lessee',
  'instance_uuid',
  'reservation',
  'fault',
  'description',
  'created_at',
  'updated_at',
  'provision_updated_at',
]);

const COLUMN_FILTERS = [
  'provision_state',
  'driver',
  'resource_class',
  'conductor_group',
  'fault',
  'owner',
  'lessee',
  'instance_uuid',
  'chassis_uuid',
] as const;

/** The microversion that added each list filter (Ironic's node controller); an older request gets 406. */
const FILTER_VERSION: Readonly<Record<string, number>> = {
  provision_state: 9,
  driver: 16,
  resource_class: 21,
  fault: 42,
  conductor_group: 46,
  owner: 50,
  description_contains: 51,
  retired: 61,
  lessee: 65,
  project: 65,
};

/** The values `fault` can take (Ironic's faults). */
const FAULTS = ['power failure', 'clean failure', 'rescue abort failure', 'service failure'];

/** Version gates of a list request: filters, `fields` (1.8), `detail` (1.43), fields a later version added. */
function checkListVersion(q: Query, minor: number) {
  for (const [k, v] of Object.entries(FILTER_VERSION))
    if (one(q, k) !== undefined && v > minor)
      throw notAcceptable(`The ${k} filter needs API version 1.${v}.`);
  const fields = one(q, 'fields');
  if (fields !== undefined) {
    if (minor < 8) throw notAcceptable('The fields parameter needs API version 1.8.');
    const later = fields
      .split(',')
      .filter((f) => NODE_FIELDS.includes(f as never) && !fieldAvailable(f, minor));
    if (later.length > 0) throw notAcceptable(`Field(s) ${later.join(', ')} need a newer API version.`);
  }
  if (one(q, 'detail') !== undefined && minor < 43)
    throw notAcceptable('The detail parameter needs API version 1.43.');
  const fault = one(q, 'fault');
  if (fault !== undefined && !FAULTS.includes(fault))
    throw invalid(`Unknown fault: ${fault}. Valid faults are: ${FAULTS.join(', ')}.`);
}

/** Which nodes were asked for, as store filters plus what only the model can check. */
function nodeFilter(
  req: FastifyRequest,
  q: Query,
): { filter: NodeFilter; descriptionContains?: string; retired?: boolean } {
  const filter: NodeFilter = {};
  for (const k of COLUMN_FILTERS) {
    const v = one(q, k);
    if (v !== undefined) filter[k] = k === 'conductor_group' ? v.toLowerCase() : v;
  }
  const m = one(q, 'maintenance');
  if (m !== undefined) filter.maintenance = input(() => parseBool('maintenance', m));
  const a = one(q, 'associated');
  if (a !== undefined) filter.associated = input(() => parseBool('associated', a));
  const project = one(q, 'project');
  if (project !== undefined) filter.project = project;
  if (!can(req, 'node:list_all')) {
    // Not an operator: only the nodes its project owns or leases, whatever it asked for.
    const mine = authOf(req).projectId ?? '\u0000none';
    if (project !== undefined && project !== mine) filter.project = '\u0000none';
    else filter.project = mine;
  }
  const retired = one(q, 'retired');
  return {
    filter,
    descriptionContains: one(q, 'description_contains'),
    retired: retired === undefined ? undefined : input(() => parseBool('retired', retired)),
  };
}

function sortValue(n: Node, key: string): unknown {
  if (key === 'id') return n.created_at;
  return (n as unknown as Record<string, unknown>)[key];
}

async function listNodes(
  api: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  path: string,
  detailRoute: boolean,
) {
  const q = req.query as Query;
  const minor = minorOf(req);
  checkListVersion(q, minor);
  const lq: ListQuery = input(() =>
    parseListQuery(q, { sortable: SORTABLE, known: knownNodeFields(minor), defaultSort: 'id' }),
  );
  if (detailRoute && (lq.fields || lq.detail))
    throw invalid('Can not specify ?detail=True or fields with /detail.');
  const f = nodeFilter(req, q);
  // driver_info is sealed: opened only when the response shows it.
  const driverInfo = detailRoute || lq.detail || (lq.fields?.includes('driver_info') ?? false);
  let nodes = await api.nodes.list(f.filter, undefined, { driverInfo, shared: true });
  if (f.descriptionContains !== undefined)
    nodes = nodes.filter((n) => n.description?.includes(f.descriptionContains!));
  if (f.retired !== undefined) nodes = nodes.filter((n) => n.retired === f.retired);
  const result = input(() => page(nodes, lq, sortValue));
  const fields = detailRoute || lq.detail ? undefined : (lq.fields ?? LIST_VIEW_FIELDS);
  const last = result.items[result.items.length - 1];
  const next =
    result.more && last && lq.limit !== undefined
      ? nextUrl(`${baseUrl(req)}/v1/${path}`, q, last.uuid, lq.limit)
      : undefined;
  // Assembled from each node's rendered JSON (reused while the node is unchanged).
  const tail = next === undefined ? '' : `,"next":${JSON.stringify(next)}`;
  const body = nodesBody(req, result.items, fields, tail);
  return reply.type('application/json; charset=utf-8').send(body);
}

export function nodeRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/nodes', (req, reply) => listNodes(api, req, reply, 'nodes', false));
  app.get('/v1/nodes/detail', (req, reply) => listNodes(api, req, reply, 'nodes/detail', true));

  app.get('/v1/nodes/:ident', async (req) => {
    const { ident } = req.params as { ident: string };
    const node = await findNode(api, req, ident);
    const fields = one(req.query as Query, 'fields');
    if (fields === undefined) return nodeView(req, node);
    const lq = input(() =>
      parseListQuery(
        { fields },
        { sortable: SORTABLE, known: knownNodeFields(minorOf(req)), defaultSort: 'id' },
      ),
    );
    return nodeView(req, node, lq.fields);
  });

  app.post('/v1/nodes', async (req, reply) => {
    enforce(req, 'node:create');
    const body = objectBody(req);
    const minor = minorOf(req);
    const node = input(() =>
      newNode(body, minor, {
        uuid: randomUUID(),
        now: iso(Date.now()),
        state: minor >= 11 ? 'enroll' : 'available',
        defaultResourceClass: api.settings.defaultResourceClass,
      }),
    );
    if (node.chassis_uuid && !(await api.chassis.get(node.chassis_uuid)))
      throw notFound('Chassis', node.chassis_uuid, 'ChassisNotFound');
    await api.nodes.insert(node);
    req.log.info(
      { node: node.uuid, driver: node.driver, driver_info: maskSecrets(node.driver_info) },
      'node created',
    );
    reply.code(201).header('location', `${baseUrl(req)}/v1/nodes/${node.uuid}`);
    return nodeView(req, node);
  });

  app.patch('/v1/nodes/:ident', async (req) => {
    const { ident } = req.params as { ident: string };
    const found = await findNode(api, req, ident);
    const ops = input(() => parsePatch(req.body));
    const ownerOnly = ops.every((o) => OWNER_FIELDS.has(o.path.split('/')[1] ?? ''));
    enforce(req, ownerOnly ? 'node:update_owner_fields' : 'node:update', found);
    const minor = minorOf(req);
    const node = await api.conductor.exclusive(
      api.ctx,
      found.uuid,
      'node update',
      authOf(req).userId,
      (task) =>
        task.update(async (n) => {
          const patched = input(() => patchNode(n, ops, minor));
          if (
            patched.chassis_uuid &&
            patched.chassis_uuid !== n.chassis_uuid &&
            !(await api.chassis.get(patched.chassis_uuid))
          )
            throw notFound('Chassis', patched.chassis_uuid, 'ChassisNotFound');
          Object.assign(n, patched);
          n.reservation = task.host;
        }),
    );
    return nodeView(req, node);
  });

  app.delete('/v1/nodes/:ident', async (req, reply) => {
    const { ident } = req.params as { ident: string };
    const found = await findNode(api, req, ident);
    enforce(req, 'node:delete', found);
    await api.conductor.exclusive(api.ctx, found.uuid, 'node delete', authOf(req).userId, async (task) => {
      const n = task.node;
      if (n.protected) throw nodeProtected(n.uuid);
      if (n.instance_uuid)
        throw invalidState(
          `Can not delete node ${n.uuid}: it is associated with instance ${n.instance_uuid}.`,
        );
      const deletable = ['enroll', 'manageable', 'available', 'adopt failed'].includes(n.provision_state);
      if (!deletable && !n.maintenance)
        throw invalidState(
          `Can not delete node "${n.uuid}" while it is in provision state "${n.provision_state}". ` +
            'Valid provision states to start deletion are enroll, manageable, available and adopt failed, or any state in maintenance.',
        );
      await api.db.tx(async (q) => {
        await api.ports.deleteOfNode(n.uuid, q);
        await api.portgroups.deleteOfNode(n.uuid, q);
        if (n.allocation_uuid) await api.allocations.delete(n.allocation_uuid, q);
        await api.nodes.delete(n.uuid, q);
      });
    });
    return reply.code(204).send();
  });

  app.get('/v1/nodes/:ident/ports', async (req) => {
    const { ident } = req.params as { ident: string };
    const node = await findNode(api, req, ident);
    return { ports: (await api.ports.list({ node_uuid: node.uuid })).map((p) => portListView(req, p)) };
  });
}
