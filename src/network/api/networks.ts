// /v2.0/networks: CRUD with provider attributes (admin only), shared and router:external, plus the DHCP
// status of a network (GET /v2.0/networks/{id}/dhcp-agents, Neutron's agent-scheduler view).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFoundError } from '../model/errors.ts';
import { networkCreate, networkPatch } from '../model/network-input.ts';
import type { NetworkRecord } from '../model/records.ts';
import { isoTime, networkView } from '../model/views.ts';
import type { DhcpStatus } from '../store/dhcp-status.ts';
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

const SORTABLE = [
  'id',
  'name',
  'status',
  'admin_state_up',
  'shared',
  'mtu',
  'project_id',
  'tenant_id',
  'created_at',
  'updated_at',
  'revision_number',
  'provider:network_type',
  'provider:segmentation_id',
  'router:external',
];

/** A network the caller may see (its own, shared, external), else NetworkNotFound. */
export async function visibleNetwork(
  api: ApiContext,
  req: FastifyRequest,
  id: string,
): Promise<NetworkRecord> {
  const n = await api.networks.get(id);
  if (!n) throw notFoundError('Network', id);
  if (n.shared || n.external || can(req, 'get_network', { projectId: n.project_id })) return n;
  throw notFoundError('Network', id);
}

export function networkRoutes(app: FastifyInstance, api: ApiContext): void {
  const view = (n: NetworkRecord) => networkView(n, api.availabilityZone);

  const createOne = async (req: FastifyRequest, body: Record<string, unknown>) => {
    const projectId = ownerFor(req, body);
    enforceAction(req, 'create_network', { projectId });
    const input = networkCreate(body, projectId, api.defaultMtu);
    if (input.provider) enforceAction(req, 'create_network:provider');
    if (input.shared) enforceAction(req, 'create_network:shared');
    if (input.external) enforceAction(req, 'create_network:router:external');
    return api.networks.create(input);
  };

  app.post('/v2.0/networks', async (req, reply) => {
    const { bodies, bulk } = createBodies(req, 'network', 'networks');
    const made = await createAll(
      bodies,
      (body) => createOne(req, body),
      (n) => api.networks.delete(n.id),
    );
    return reply.code(201).send(bulk ? { networks: made.map(view) } : { network: view(made[0]!) });
  });

  app.get('/v2.0/networks', async (req) => {
    const all = await api.networks.list(rowScope(req));
    return listResponse(req, 'networks', 'Network', all.map(view), SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/networks/:id', async (req) =>
    showResponse(req, 'network', view(await visibleNetwork(api, req, req.params.id))),
  );

  app.put<{ Params: { id: string } }>('/v2.0/networks/:id', async (req) => {
    const n = await visibleNetwork(api, req, req.params.id);
    enforceAction(req, 'update_network', { projectId: n.project_id });
    const patch = networkPatch(resourceBody(req, 'network'));
    if (patch.shared !== undefined && patch.shared !== n.shared) enforceAction(req, 'update_network:shared');
    if (patch.external !== undefined && patch.external !== n.external)
      enforceAction(req, 'update_network:router:external');
    const updated = await api.networks.update(n.id, patch);
    return { network: view(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/networks/:id', async (req, reply) => {
    const n = await visibleNetwork(api, req, req.params.id);
    enforceAction(req, 'delete_network', { projectId: n.project_id });
    await api.networks.delete(n.id);
    await api.dhcp.remove(n.id);
    return reply.code(204).send();
  });

  // The DHCP agent hosting a network, with the state of its dnsmasq.
  app.get<{ Params: { id: string } }>('/v2.0/networks/:id/dhcp-agents', async (req) => {
    const n = await visibleNetwork(api, req, req.params.id);
    enforceAction(req, 'get_dhcp_status', { projectId: n.project_id });
    const s = await api.dhcp.get(n.id);
    return { agents: s ? [agentView(s.host, [s])] : [] };
  });

  // `openstack network agent list`: one DHCP agent per host that serves networks.
  app.get('/v2.0/agents', async (req) => {
    // As in Neutron, a list hides what policy does not let the caller see: empty for non-admins.
    if (!can(req, 'get_agent')) return { agents: [] };
    const byHost = new Map<string, DhcpStatus[]>();
    for (const s of await api.dhcp.all()) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
    const agents = [...byHost].map(([host, list]) => agentView(host, list));
    return listResponse(req, 'agents', 'Agent', agents, ['id', 'host', 'agent_type']);
  });
}

function agentView(host: string, served: DhcpStatus[]) {
  const one = served.length === 1 ? served[0] : undefined;
  return {
    id: `dhcp-${host}`,
    agent_type: 'DHCP agent',
    binary: 'ooo-dhcp-agent',
    host,
    topic: 'dhcp_agent',
    alive: served.every((s) => s.state === 'running'),
    admin_state_up: true,
    availability_zone: null,
    heartbeat_timestamp: isoTime(Math.max(...served.map((s) => s.updated_at))),
    configurations: {
      dhcp_driver: 'dnsmasq',
      networks: served.length,
      ...(one
        ? {
            state: one.state,
            interface: one.interface,
            pid: one.pid,
            restarts: one.restarts,
            hosts: one.hosts,
            message: one.message,
          }
        : { states: Object.fromEntries(served.map((s) => [s.network_id, s.state])) }),
    },
  };
}
