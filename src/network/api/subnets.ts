// /v2.0/subnets: create on a network the caller owns (or as admin), with every validation of model/subnet.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { flag, optFlag, optStr, str, tagList } from '../model/attributes.ts';
import { invalidInput, notFoundError } from '../model/errors.ts';
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
    if (body.subnetpool_id !== undefined && body.subnetpool_id !== null)
      throw invalidInput('subnet pools are not supported: give a cidr');
    const enableDhcp = flag(body, 'enable_dhcp', true);
    return api.subnets.create({
      project_id: projectId,
      network_id: network.id,
      name: str(body, 'name', ''),
      description: str(body, 'description', ''),
      enable_dhcp: enableDhcp,
      cidr: body.cidr,
      ip_version: body.ip_version,
      gateway_ip: body.gateway_ip,
      allocation_pools: body.allocation_pools,
      dns_nameservers: body.dns_nameservers,
      host_routes: body.host_routes,
      ipv6_ra_mode: body.ipv6_ra_mode,
      ipv6_address_mode: body.ipv6_address_mode,
      tags: tagList(body),
    });
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
    const body = resourceBody(req, 'subnet');
    for (const k of ['cidr', 'ip_version', 'network_id', 'ipv6_ra_mode', 'ipv6_address_mode'])
      if (body[k] !== undefined) throw invalidInput(`Cannot update read-only attribute ${k}`);
    const updated = await api.subnets.update(s.id, {
      name: optStr(body, 'name'),
      description: optStr(body, 'description'),
      gateway_ip: body.gateway_ip as string | null | undefined,
      allocation_pools: body.allocation_pools,
      dns_nameservers: body.dns_nameservers,
      host_routes: body.host_routes,
      enable_dhcp: optFlag(body, 'enable_dhcp'),
    });
    return { subnet: subnetView(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/subnets/:id', async (req, reply) => {
    const s = await visibleSubnet(api, req, req.params.id);
    enforceAction(req, 'delete_subnet', { projectId: s.project_id });
    await api.subnets.delete(s.id);
    return reply.code(204).send();
  });
}
