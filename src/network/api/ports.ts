// /v2.0/ports: MAC and fixed IPs (requested or allocated), binding attributes, extra DHCP options (the PXE
// and iPXE boot options the DHCP agent serves), allowed address pairs and security groups.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conflictError, invalidInput, notFoundError } from '../model/errors.ts';
import { namesAddresses, parsePortCreate, parsePortUpdate, setsBinding } from '../model/port-input.ts';
import type { PortRecord } from '../model/records.ts';
import { portView } from '../model/views.ts';
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
  'mac_address',
  'status',
  'admin_state_up',
  'device_id',
  'device_owner',
  'network_id',
  'project_id',
  'tenant_id',
  'created_at',
  'updated_at',
  'revision_number',
  'binding:host_id',
  'binding:vnic_type',
];

async function visiblePort(api: ApiContext, req: FastifyRequest, id: string): Promise<PortRecord> {
  const p = await api.ports.get(id);
  if (p && can(req, 'get_port', { projectId: p.project_id })) return p;
  throw notFoundError('Port', id);
}

export function portRoutes(app: FastifyInstance, api: ApiContext): void {
  const createOne = async (req: FastifyRequest, body: Record<string, unknown>) => {
    if (typeof body.network_id !== 'string') throw invalidInput("'network_id' is required");
    const network = await visibleNetwork(api, req, body.network_id);
    const projectId = ownerFor(req, body);
    enforceAction(req, 'create_port', { projectId });
    const input = parsePortCreate(body, network, projectId);
    const netOwner = { projectId: network.project_id };
    if (input.mac_address) enforceAction(req, 'create_port:mac_address', netOwner);
    if (namesAddresses(input.fixed_ips)) enforceAction(req, 'create_port:fixed_ips:ip_address', netOwner);
    if (setsBinding(body)) enforceAction(req, 'create_port:binding');
    return api.ports.create(input);
  };

  app.post('/v2.0/ports', async (req, reply) => {
    const { bodies, bulk } = createBodies(req, 'port', 'ports');
    const made = await createAll(
      bodies,
      (body) => createOne(req, body),
      (p) => api.ports.delete(p.id),
    );
    return reply.code(201).send(bulk ? { ports: made.map(portView) } : { port: portView(made[0]!) });
  });

  app.get('/v2.0/ports', async (req) => {
    const all = await api.ports.list(rowScope(req));
    return listResponse(req, 'ports', 'Port', all.map(portView), SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/ports/:id', async (req) =>
    showResponse(req, 'port', portView(await visiblePort(api, req, req.params.id))),
  );

  app.put<{ Params: { id: string } }>('/v2.0/ports/:id', async (req) => {
    const p = await visiblePort(api, req, req.params.id);
    enforceAction(req, 'update_port', { projectId: p.project_id });
    const body = resourceBody(req, 'port');
    const patch = parsePortUpdate(body, p);
    if (setsBinding(body)) enforceAction(req, 'update_port:binding');
    const network = await api.networks.get(p.network_id);
    const netOwner = { projectId: network?.project_id };
    if (patch.mac_address && patch.mac_address !== p.mac_address) {
      enforceAction(req, 'create_port:mac_address', netOwner);
      if (p.binding_host_id && p.binding_vnic_type !== 'baremetal')
        throw conflictError(
          'PortBound',
          `Unable to complete operation on port ${p.id}, port is already bound.`,
        );
    }
    if (namesAddresses(patch.fixed_ips)) enforceAction(req, 'create_port:fixed_ips:ip_address', netOwner);
    const updated = await api.ports.update(p.id, patch);
    return { port: portView(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/ports/:id', async (req, reply) => {
    const p = await visiblePort(api, req, req.params.id);
    enforceAction(req, 'delete_port', { projectId: p.project_id });
    await api.ports.delete(p.id);
    return reply.code(204).send();
  });
}
