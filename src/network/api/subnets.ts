// /v2.0/subnets: create on a network the caller owns (or as admin), with every validation of model/subnet.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput, notFoundError } from '../model/errors.ts';
import { subnetCreate, subnetPatch } from '../model/network-input.ts';
import type { SubnetRecord } from '../model/records.ts';
import { subnetView } from '../model/views.ts';
import {
  can,
  createAll,
  createBodies,
  enforceAction,
  listResponse,
  ownerFor,
  resourceBody,
  rowScope,
  showResponse,
} from './common.ts';
import type { ApiContext } from './context.ts';
import { visibleNetwork } from './networks.ts';

const SORTABLE = [
  'id',
  'name',
  'cidr',
  'ip_version',
  'gateway_ip',
  'enable_dhcp',
  'network_id',
  'project_id',
  'tenant_id',
  'created_at',
  'updated_at',
  'revision_number',
];

async function visibleSubnet(api: ApiContext, req: FastifyRequest, id: string): Promise<SubnetRecord> {
  const s = await api.subnets.get(id);
  if (!s) throw notFoundError('Subnet', id);
  if (can(req, 'get_subnet', { projectId: s.project_id })) return s;
  const n = await api.networks.get(s.network_id);
  if (n && (n.shared || n.external)) return s;
  throw notFoundError('Subnet', id);
}

export function subnetRoutes(app: FastifyInstance, api: ApiContext): void {
  const createOne = async (req: FastifyRequest, body: Record<string, unknown>) => {
    if (typeof body.network_id !== 'string') throw invalidInput("'network_id' is required");
    const network = await visibleNetwork(api, req, body.network_id);
    const projectId = ownerFor(req, body);
    enforceAction(req, 'create_subnet', { projectId: network.project_id });
    return api.subnets.create(subnetCreate(body, network.id, projectId));
  };

  app.post('/v2.0/subnets', async (req, reply) => {
    const { bodies, bulk } = createBodies(req, 'subnet', 'subnets');
    const made = await createAll(
      bodies,
      (body) => createOne(req, body),
      (s) => api.subnets.delete(s.id),
    );
    return reply.code(201).send(bulk ? { subnets: made.map(subnetView) } : { subnet: subnetView(made[0]!) });
  });

  app.get('/v2.0/subnets', async (req) => {
    const all = await api.subnets.list(rowScope(req));
    return listResponse(req, 'subnets', 'Subnet', all.map(subnetView), SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/subnets/:id', async (req) =>
    showResponse(req, 'subnet', subnetView(await visibleSubnet(api, req, req.params.id))),
  );

  app.put<{ Params: { id: string } }>('/v2.0/subnets/:id', async (req) => {
    const s = await visibleSubnet(api, req, req.params.id);
    enforceAction(req, 'update_subnet', { projectId: s.project_id });
    const updated = await api.subnets.update(s.id, subnetPatch(resourceBody(req, 'subnet')));
    return { subnet: subnetView(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/subnets/:id', async (req, reply) => {
    const s = await visibleSubnet(api, req, req.params.id);
    enforceAction(req, 'delete_subnet', { projectId: s.project_id });
    await api.subnets.delete(s.id);
    return reply.code(204).send();
  });
}
