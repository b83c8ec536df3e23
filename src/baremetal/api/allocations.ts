// /v1/allocations (1.52): create picks an available node matching resource class, traits and candidates
// and reserves it, atomically (the node row is locked while it is checked and claimed), or ends in
// state "error" with last_error when none matches. Delete frees the node again.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { duplicate, invalid, invalidState, notAcceptable, notFound } from '../model/errors.ts';
import { checkName, isUuid } from '../model/node.ts';
import type { Allocation } from '../store/allocations.ts';
import { authOf, can, enforce, input, iso, minorOf, objectBody } from './common.ts';
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
    if (typeof body.resource_class !== 'string' || body.resource_class === '')
      throw invalid('Mandatory field missing: resource_class');
    if (body.node !== undefined)
      throw invalid('Backfilling an allocation for a given node is not supported by this service.');
    const owner = can(req, 'allocation:create_any_owner')
      ? ((body.owner as string | undefined) ?? null)
      : (authOf(req).projectId ?? null);
    const a: Allocation = {
      uuid: typeof body.uuid === 'string' && isUuid(body.uuid) ? body.uuid.toLowerCase() : randomUUID(),
      name: body.name === undefined ? null : input(() => checkName(body.name)),
      node_uuid: null,
      state: 'allocating',
      last_error: null,
      resource_class: body.resource_class,
      traits: strings('traits', body.traits),
      candidate_nodes: strings('candidate_nodes', body.candidate_nodes),
      extra: (body.extra as Allocation['extra'] | undefined) ?? {},
      owner,
      created_at: iso(Date.now()),
      updated_at: null,
    };
    if (a.name && (await api.allocations.byName(a.name)))
      throw duplicate(`An allocation with name ${a.name} already exists.`, 'AllocationDuplicateName');
    const candidates = new Set<string>();
    for (const c of a.candidate_nodes) {
      const n = isUuid(c) ? await api.nodes.get(c) : await api.nodes.byName(c);
      if (!n) throw invalid(`Candidate node ${c} could not be found.`);
      candidates.add(n.uuid);
    }
    await api.db.tx(async (q) => {
      const pool = (
        await api.nodes.list(
          {
            provision_state: 'available',
            maintenance: false,
            resource_class: a.resource_class,
            associated: false,
          },
          q,
        )
      )
        .filter((n) => n.allocation_uuid === null && n.reservation === null)
        .filter((n) => a.traits.every((t) => n.traits.includes(t)))
        .filter((n) => candidates.size === 0 || candidates.has(n.uuid))
        .filter((n) => owner === null || n.owner === owner || n.lessee === owner);
      for (const candidate of pool) {
        const n = await api.nodes.get(candidate.uuid, q, true);
        if (!n || n.allocation_uuid !== null || n.instance_uuid !== null || n.reservation !== null) continue;
        n.allocation_uuid = a.uuid;
        n.instance_uuid = a.uuid;
        n.updated_at = iso(Date.now());
        await api.nodes.save(n, q);
        a.node_uuid = n.uuid;
        a.state = 'active';
        break;
      }
      if (a.node_uuid === null) {
        a.state = 'error';
        a.last_error =
          `No available nodes match the resource class ${a.resource_class}` +
          (a.traits.length ? ` and traits ${a.traits.join(', ')}` : '') +
          (candidates.size ? ' among the candidate nodes' : '');
      }
      a.updated_at = iso(Date.now());
      await api.allocations.insert(a, q);
    });
    reply.code(201).header('location', `${baseUrl(req)}/v1/allocations/${a.uuid}`);
    return allocationView(req, a);
  });

  app.delete('/v1/allocations/:ident', async (req, reply) => {
    needs(req);
    const a = await find(req, (req.params as { ident: string }).ident);
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
    return reply.code(204).send();
  });
}
