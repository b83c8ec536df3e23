// Hypervisors (/os-hypervisors): one per bare metal node, as Nova's ironic driver reports them — the
// node's UUID as hypervisor_hostname, its properties as resources, all used while it holds an instance.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors/catalogue.ts';
import type { BaremetalNode } from '../model/baremetal-node.ts';
import type { HypervisorIdStore } from '../store/hypervisor-ids.ts';
import { enforce, intParam, nextLink, param, since } from './common.ts';

export interface HypervisorHost {
  /** The compute host name (this service's). */
  host: string;
  hostIp: string;
}

const SUMMED = [
  'vcpus',
  'vcpus_used',
  'memory_mb',
  'memory_mb_used',
  'local_gb',
  'local_gb_used',
  'free_ram_mb',
  'free_disk_gb',
  'current_workload',
  'running_vms',
  'disk_available_least',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function hypervisorRoutes(
  app: FastifyInstance,
  /** Every bare metal node, read with this service's own credentials (as Nova's ironic driver reads them). */
  baremetalNodes: (ctx: Ctx) => Promise<BaremetalNode[]>,
  ids: HypervisorIdStore,
  where: HypervisorHost,
  ctx: Ctx,
): void {
  const load = async (req: FastifyRequest) => {
    const nodes = (await baremetalNodes(ctx)).sort((a, b) => a.uuid.localeCompare(b.uuid));
    const intIds = await ids.idsFor(nodes.map((n) => n.uuid));
    const idOf = (n: BaremetalNode) => (since(req, 53) ? n.uuid : intIds.get(n.uuid)!);
    return { nodes, idOf };
  };

  const brief = (n: BaremetalNode, id: string | number) => ({
    id,
    hypervisor_hostname: n.uuid,
    state: 'up',
    status: n.maintenance ? 'disabled' : 'enabled',
  });

  const detail = (n: BaremetalNode, id: string | number) => {
    const used = n.instanceUuid !== null;
    return {
      ...brief(n, id),
      hypervisor_type: 'ironic',
      hypervisor_version: 1,
      host_ip: where.hostIp,
      service: { host: where.host, id: 1, disabled_reason: n.maintenance ? 'node in maintenance' : null },
      vcpus: n.cpus,
      vcpus_used: used ? n.cpus : 0,
      memory_mb: n.memoryMb,
      memory_mb_used: used ? n.memoryMb : 0,
      local_gb: n.localGb,
      local_gb_used: used ? n.localGb : 0,
      free_ram_mb: used ? 0 : n.memoryMb,
      free_disk_gb: used ? 0 : n.localGb,
      disk_available_least: used ? 0 : n.localGb,
      current_workload: 0,
      running_vms: used ? 1 : 0,
      cpu_info: '',
    };
  };

  const listing = (withDetail: boolean) => async (req: FastifyRequest) => {
    enforce(req, 'hypervisors:list');
    const { nodes, idOf } = await load(req);
    let list = nodes;
    const pattern = param(req, 'hypervisor_hostname_pattern');
    if (pattern !== undefined)
      list = list.filter((n) => n.uuid.includes(pattern) || (n.name ?? '').includes(pattern));
    const limit = since(req, 33) ? intParam(req, 'limit', 0) : undefined;
    const marker = since(req, 33) ? param(req, 'marker') : undefined;
    if (marker !== undefined) {
      const at = list.findIndex((n) => String(idOf(n)) === marker);
      if (at < 0) throw badRequest(`marker [${marker}] not found`);
      list = list.slice(at + 1);
    }
    if (limit !== undefined) list = list.slice(0, limit);
    const out: Record<string, unknown> = {
      hypervisors: list.map((n) => (withDetail ? detail(n, idOf(n)) : brief(n, idOf(n)))),
    };
    const last = list.at(-1);
    const next = nextLink(req, list.length, limit, last && String(idOf(last)));
    if (next) out.hypervisors_links = next;
    return out;
  };
  app.get('/os-hypervisors', listing(false));
  app.get('/os-hypervisors/detail', listing(true));

  // Deprecated in Nova, still served below 2.88: the sums over every hypervisor.
  app.get('/os-hypervisors/statistics', async (req) => {
    enforce(req, 'hypervisors:list');
    const { nodes, idOf } = await load(req);
    const sums: Record<string, number> = { count: nodes.length };
    for (const k of SUMMED) sums[k] = 0;
    for (const n of nodes) {
      const d = detail(n, idOf(n)) as Record<string, unknown>;
      for (const k of SUMMED) sums[k] = (sums[k] ?? 0) + Number(d[k] ?? 0);
    }
    return { hypervisor_statistics: sums };
  });

  app.get<{ Params: { id: string } }>('/os-hypervisors/:id', async (req) => {
    enforce(req, 'hypervisors:show');
    const asked = req.params.id;
    // From 2.53 ids are UUIDs and anything else is refused; before, a non-integer simply matches nothing.
    if (since(req, 53) && !UUID.test(asked)) throw badRequest(`Invalid uuid ${asked}`);
    const { nodes, idOf } = await load(req);
    const n = nodes.find((x) => String(idOf(x)) === asked);
    if (!n) throw notFound(`Hypervisor with ID ${asked} could not be found.`);
    return { hypervisor: detail(n, idOf(n)) };
  });
}
