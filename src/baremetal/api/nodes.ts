// /v1/nodes: create, list (six fields, detail, fields, filters, paging), show by name or UUID, JSON-patch
// under the node's lease, and delete with Ironic's state rules.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, invalidState, notFound } from '../model/errors.ts';
import { type ListQuery, nextUrl, one, page, parseBool, parseListQuery, type Query } from '../model/list.ts';
import { type Node, newNode, parsePatch, patchNode } from '../model/node.ts';
import { maskSecrets } from '../model/secrets.ts';
import type { NodeFilter } from '../store/nodes.ts';
import { authOf, can, enforce, findNode, input, iso, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { baseUrl } from './discovery.ts';
import { OWNER_FIELDS } from './policy.ts';
import { knownNodeFields, nodeListView, nodeView, portListView } from './views.ts';

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

async function listNodes(api: ApiContext, req: FastifyRequest, path: string, detailRoute: boolean) {
  const q = req.query as Query;
  const minor = minorOf(req);
  const lq: ListQuery = input(() =>
    parseListQuery(q, { sortable: SORTABLE, known: knownNodeFields(minor), defaultSort: 'id' }),
  );
  if (lq.fields && minor < 8) throw invalid('The fields parameter needs API version 1.8.');
  if (lq.detail && minor < 43) throw invalid('The detail parameter needs API version 1.43.');
  if (detailRoute && (lq.fields || lq.detail))
    throw invalid('Can not specify ?detail=True or fields with /detail.');
  const f = nodeFilter(req, q);
  let nodes = await api.nodes.list(f.filter);
  if (f.descriptionContains !== undefined)
    nodes = nodes.filter((n) => n.description?.includes(f.descriptionContains!));
  if (f.retired !== undefined) nodes = nodes.filter((n) => n.retired === f.retired);
  const result = input(() => page(nodes, lq, sortValue));
  const view = (n: Node) =>
    detailRoute || lq.detail
      ? nodeView(req, n)
      : lq.fields
        ? nodeView(req, n, lq.fields)
        : nodeListView(req, n);
  const body: Record<string, unknown> = { nodes: result.items.map(view) };
  const last = result.items[result.items.length - 1];
  if (result.more && last && lq.limit !== undefined)
    body.next = nextUrl(`${baseUrl(req)}/v1/${path}`, q, last.uuid, lq.limit);
  return body;
}

export function nodeRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/nodes', (req) => listNodes(api, req, 'nodes', false));
  app.get('/v1/nodes/detail', (req) => listNodes(api, req, 'nodes/detail', true));

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
      if (n.protected)
        throw invalidState(`Node ${n.uuid} is protected and cannot be undeployed, rebuilt or deleted.`);
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
