// /v1/allocations (1.52): create records the allocation in `allocating` and hands it to the allocator
// (worker/allocator.ts), which picks and claims a node or ends it in `error`; 1.58 backfills an allocation
// for a deployed node. Delete frees the node again.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { duplicate, invalid, invalidState, notAcceptable, notFound } from '../model/errors.ts';
import { checkName, isUuid } from '../model/node-input.ts';
import type { Allocation } from '../store/allocations.ts';
import { authOf, can, enforce, findNode, input, iso, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { baseUrl } from './discovery.ts';
import { allocationView } from './views.ts';

const needs = (req: FastifyRequest) => {
  if (minorOf(req) < 52) throw notAcceptable('Allocations need API version 1.52.');
};

function strings(field: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalid(`${field} must be a list of strings.`);
  return v as string[];
}

/** The fields every new allocation takes from the request body. */
function fromBody(_req: FastifyRequest, body: Record<string, unknown>, owner: string | null): Allocation {
  return {
    uuid: typeof body.uuid === 'string' && isUuid(body.uuid) ? body.uuid.toLowerCase() : randomUUID(),
    name: body.name === undefined || body.name === null ? null : input(() => checkName(body.name)),
    node_uuid: null,
    state: 'allocating',
    last_error: null,
    resource_class: '',
    traits: strings('traits', body.traits),
    candidate_nodes: [],
    extra: (body.extra as Allocation['extra'] | undefined) ?? {},
    owner,
    created_at: iso(Date.now()),
    updated_at: null,
  };
}

/** 1.58: an allocation for a node already deployed without one (Ironic's backfill), active at once. */
async function backfill(
  api: ApiContext,
  req: FastifyRequest,
  body: Record<string, unknown>,
): Promise<Allocation> {
  if (body.candidate_nodes !== undefined)
    throw invalid('Cannot use the node field together with candidate_nodes.');
  const ident = body.node;
  if (typeof ident !== 'string') throw invalid('node must be a node name or UUID.');
  const owner = can(req, 'allocation:create_any_owner')
    ? ((body.owner as string | undefined) ?? null)
    : (authOf(req).projectId ?? null);
  const a = fromBody(req, body, owner);
  // Looked up before the transaction: lookups outside it would wait for it on a single-connection engine.
  const found = isUuid(ident) ? await api.nodes.get(ident) : await api.nodes.byName(ident);
  if (a.name && (await api.allocations.byName(a.name)))
    throw duplicate(`An allocation with name ${a.name} already exists.`, 'AllocationDuplicateName');
  return api.db.tx(async (q) => {
    const n = found && (await api.nodes.get(found.uuid, q, true));
    if (!n || !can(req, 'node:get', n)) throw invalid(`Node ${ident} could not be found.`, 'NodeNotFound');
    if (n.allocation_uuid !== null)
      throw duplicate(`Node ${n.uuid} already has allocation ${n.allocation_uuid}.`, 'NodeAssociated');
    if (n.instance_uuid !== null && n.instance_uuid !== a.uuid && body.uuid !== undefined)
      throw duplicate(`Node ${n.uuid} is associated with instance ${n.instance_uuid}.`, 'NodeAssociated');
    if (!['active', 'deploying', 'wait call-back', 'deploy hold'].includes(n.provision_state))
      throw invalidState(
        `Cannot backfill an allocation for node ${n.uuid} in provision state ${n.provision_state}: it must be deployed.`,
      );
    const rc = body.resource_class ?? n.resource_class;
    if (typeof rc !== 'string' || rc === '')
      throw invalid(`Node ${n.uuid} has no resource class, and the allocation names none.`);
    if (rc !== n.resource_class)
      throw invalid(`Node ${n.uuid} has resource class ${n.resource_class}, not ${rc}.`);
    const missing = a.traits.filter((t) => !n.traits.includes(t));
    if (missing.length) throw invalid(`Node ${n.uuid} does not have the traits ${missing.join(', ')}.`);
    // An instance already recorded on the node keeps its UUID as the allocation's (Ironic does the same).
    if (n.instance_uuid !== null && body.uuid === undefined) a.uuid = n.instance_uuid;
    Object.assign(a, { resource_class: rc, node_uuid: n.uuid, state: 'active', updated_at: iso(Date.now()) });
    n.allocation_uuid = a.uuid;
    n.instance_uuid = a.uuid;
    n.updated_at = iso(Date.now());
    await api.nodes.save(n, q);
    await api.allocations.insert(a, q);
    return a;
  });
}

export function allocationRoutes(app: FastifyInstance, api: ApiContext) {
  const find = async (req: FastifyRequest, ident: string): Promise<Allocation> => {
    const a = isUuid(ident) ? await api.allocations.get(ident) : await api.allocations.byName(ident);
    if (!a || !can(req, 'allocation:get', { owner: a.owner, lessee: null }))
      throw notFound('Allocation', ident, 'AllocationNotFound');
    return a;
  };

  app.get('/v1/allocations', async (req) => {
    needs(req);
    const q = req.query as { node?: string; resource_class?: string; state?: string; owner?: string };
    let all = (await api.allocations.list()).filter((a) =>
      can(req, 'allocation:get', { owner: a.owner, lessee: null }),
    );
    if (q.resource_class) all = all.filter((a) => a.resource_class === q.resource_class);
    if (q.state) all = all.filter((a) => a.state === q.state);
    if (q.owner) all = all.filter((a) => a.owner === q.owner);
    if (q.node) all = all.filter((a) => a.node_uuid === q.node);
    return { allocations: all.map((a) => allocationView(req, a)) };
  });

  app.get('/v1/allocations/:ident', async (req) => {
    needs(req);
    return allocationView(req, await find(req, (req.params as { ident: string }).ident));
  });

  app.post('/v1/allocations', async (req, reply) => {
    needs(req);
    enforce(req, 'allocation:create');
    const body = objectBody(req);
    const allowed = ['uuid', 'name', 'resource_class', 'traits', 'candidate_nodes', 'extra', 'owner', 'node'];
    for (const k of Object.keys(body))
      if (!allowed.includes(k)) throw invalid(`Unknown attribute for allocation: ${k}`);
    if (body.node !== undefined) {
      if (minorOf(req) < 58) throw invalid('Backfilling an allocation needs API version 1.58.');
      const a = await backfill(api, req, body);
      reply.code(201).header('location', `${baseUrl(req)}/v1/allocations/${a.uuid}`);
      return allocationView(req, a);
    }
    if (typeof body.resource_class !== 'string' || body.resource_class === '')
      throw invalid('Mandatory field missing: resource_class');
    const owner = can(req, 'allocation:create_any_owner')
      ? ((body.owner as string | undefined) ?? null)
      : (authOf(req).projectId ?? null);
    const candidates: string[] = [];
    for (const c of strings('candidate_nodes', body.candidate_nodes)) {
      const n = isUuid(c) ? await api.nodes.get(c) : await api.nodes.byName(c);
      if (!n) throw invalid(`Candidate node ${c} could not be found.`);
      candidates.push(n.uuid);
    }
    const a: Allocation = {
      ...fromBody(req, body, owner),
      resource_class: body.resource_class,
      candidate_nodes: candidates,
    };
    if (a.name && (await api.allocations.byName(a.name)))
      throw duplicate(`An allocation with name ${a.name} already exists.`, 'AllocationDuplicateName');
    await api.allocations.insert(a);
    api.allocator.enqueue(a.uuid);
    reply.code(201).header('location', `${baseUrl(req)}/v1/allocations/${a.uuid}`);
    return allocationView(req, a);
  });

  const remove = async (req: FastifyRequest, a: Allocation) => {
    enforce(req, 'allocation:delete', { owner: a.owner, lessee: null });
    await api.db.tx(async (q) => {
      if (a.node_uuid) {
        const n = await api.nodes.get(a.node_uuid, q, true);
        if (
          n &&
          ['active', 'deploying', 'wait call-back', 'deploy hold'].includes(n.provision_state) &&
          !n.maintenance
        )
          throw invalidState(
            `Cannot remove allocation ${a.uuid}: its node ${n.uuid} is ${n.provision_state}.`,
          );
        if (n && n.allocation_uuid === a.uuid) {
          n.allocation_uuid = null;
          if (n.instance_uuid === a.uuid) n.instance_uuid = null;
          await api.nodes.save(n, q);
        }
      }
      await api.allocations.delete(a.uuid, q);
    });
  };

  app.delete('/v1/allocations/:ident', async (req, reply) => {
    needs(req);
    await remove(req, await find(req, (req.params as { ident: string }).ident));
    return reply.code(204).send();
  });

  // A node's own allocation (1.52).
  const ofNode = async (req: FastifyRequest): Promise<Allocation> => {
    needs(req);
    const node = await findNode(api, req, (req.params as { ident: string }).ident);
    const a = node.allocation_uuid ? await api.allocations.get(node.allocation_uuid) : undefined;
    if (!a) throw notFound('Allocation for node', node.uuid, 'AllocationNotFound');
    return a;
  };
  app.get('/v1/nodes/:ident/allocation', async (req) => allocationView(req, await ofNode(req)));
  app.delete('/v1/nodes/:ident/allocation', async (req, reply) => {
    await remove(req, await ofNode(req));
    return reply.code(204).send();
  });
}
