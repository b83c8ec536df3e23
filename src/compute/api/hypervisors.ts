// Hypervisors (/os-hypervisors): one per bare metal node, as Nova's ironic driver reports them — the
// node's UUID as hypervisor_hostname, its properties as resources, all used while it holds an instance.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { AppError, badRequest, notFound } from '../../platform/errors/catalogue.ts';
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
  /** The servers on each node (node UUID → Nova's instance name and the server's id). */
  serversOn: () => Promise<Map<string, { uuid: string; name: string }[]>>,
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

  const detail = (req: FastifyRequest, n: BaremetalNode, id: string | number) => {
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
      // From 2.28 Nova answers cpu_info as the object it decodes (the ironic driver reports none).
      cpu_info: since(req, 28) ? {} : '',
    };
  };

  // The servers of a hypervisor: from 2.53 asked with `with_servers`, always listed (maybe empty) from
  // 2.75; before 2.75 the key is left out when there are none.
  const servers = async (req: FastifyRequest, asked: boolean) => {
    if (!asked) return undefined;
    const on = await serversOn();
    return (n: BaremetalNode) => {
      const list = on.get(n.uuid) ?? [];
      return list.length > 0 || since(req, 75) ? { servers: list } : {};
    };
  };
  const withServers = (req: FastifyRequest) => {
    const v = param(req, 'with_servers');
    if (v === undefined || !since(req, 53)) return false;
    if (!['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v.toLowerCase()))
      throw badRequest(
        `Invalid input for query parameters with_servers. Value: ${v}. '${v}' is not one of the allowed values`,
      );
    return ['true', '1', 'yes', 'on'].includes(v.toLowerCase());
  };
  const matching = (nodes: BaremetalNode[], pattern: string) => {
    const found = nodes.filter((n) => n.uuid.includes(pattern));
    if (found.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    return found;
  };

  const listing = (withDetail: boolean) => async (req: FastifyRequest) => {
    enforce(req, 'hypervisors:list');
    const { nodes, idOf } = await load(req);
    const listed = await servers(req, withServers(req));
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
      hypervisors: list.map((n) => ({
        ...(withDetail ? detail(req, n, idOf(n)) : brief(n, idOf(n))),
        ...(listed?.(n) ?? {}),
      })),
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
      const d = detail(req, n, idOf(n)) as Record<string, unknown>;
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
    const listed = await servers(req, withServers(req));
    return { hypervisor: { ...detail(req, n, idOf(n)), ...(listed?.(n) ?? {}) } };
  });

  // Before 2.53: search by hostname pattern, and the servers of the matching hypervisors (from 2.53 these
  // are the list's hypervisor_hostname_pattern and with_servers, and the paths are gone).
  app.get<{ Params: { pattern: string } }>('/os-hypervisors/:pattern/search', async (req) => {
    if (since(req, 53)) throw notFound('The resource could not be found.');
    enforce(req, 'hypervisors:search');
    const { nodes, idOf } = await load(req);
    return { hypervisors: matching(nodes, req.params.pattern).map((n) => brief(n, idOf(n))) };
  });
  app.get<{ Params: { pattern: string } }>('/os-hypervisors/:pattern/servers', async (req) => {
    if (since(req, 53)) throw notFound('The resource could not be found.');
    enforce(req, 'hypervisors:servers');
    const { nodes, idOf } = await load(req);
    const listed = await servers(req, true);
    return {
      hypervisors: matching(nodes, req.params.pattern).map((n) => ({ ...brief(n, idOf(n)), ...listed?.(n) })),
    };
  });

  // Nova's ironic driver has no uptime for a node (NotImplementedError, answered 501).
  app.get<{ Params: { id: string } }>('/os-hypervisors/:id/uptime', async (req) => {
    enforce(req, 'hypervisors:uptime');
    const asked = req.params.id;
    if (since(req, 53) && !UUID.test(asked)) throw badRequest(`Invalid uuid ${asked}`);
    const { nodes, idOf } = await load(req);
    if (!nodes.some((x) => String(idOf(x)) === asked))
      throw notFound(`Hypervisor with ID ${asked} could not be found.`);
    throw new AppError('NOT_IMPLEMENTED', 'Virt driver does not implement uptime function.');
  });
}
