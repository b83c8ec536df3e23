// /servers: create (every lookup made and refused before anything is allocated; the build itself runs on
// the server worker), list and detail with Nova's filters and paging, show, update and delete.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImageClient } from '../../image/client.ts';
import type { NetworkClient } from '../../network/client.ts';
import type { Ctx } from '../../platform/context.ts';
import { AppError, badRequest, conflict, isAppError, notFound } from '../../platform/errors/catalogue.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import type { Server } from '../model/server.ts';
import { accessIp, diskConfig, type NetworkRequest, parseServerCreate } from '../model/server-input.ts';
import { POWER, vmStatesOfStatus } from '../model/server-state.ts';
import type { ComputeSettings } from '../model/settings.ts';
import type { FlavorStore } from '../store/flavors.ts';
import type { KeypairStore } from '../store/keypairs.ts';
import type { QuotaStore } from '../store/quotas.ts';
import type { ServerGroupStore } from '../store/server-groups.ts';
import { type ServerStore, serverNotFound } from '../store/servers.ts';
import { auth, bodyOf, can, enforce, intParam, links, nextLink, param, since, version } from './common.ts';
import { addresses, briefView, serverView } from './server-views.ts';

export interface ServerApiDeps {
  ctx: Ctx;
  servers: ServerStore;
  flavors: FlavorStore;
  keypairs: KeypairStore;
  groups: ServerGroupStore;
  quotas: QuotaStore;
  settings: ComputeSettings;
  /** The image service as the calling user. */
  image: (req: FastifyRequest) => ImageClient;
  network: () => NetworkClient;
  enqueue: (id: string) => void;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const yes = (v: string | undefined) => v !== undefined && /^(1|true|t|yes|y|on)$/i.test(v);

/** A server the caller may see, or Nova's 404. */
export async function visibleServer(req: FastifyRequest, servers: ServerStore, id: string): Promise<Server> {
  const s = await servers.get(id);
  if (!s || (!isAdmin(auth(req)) && s.project_id !== auth(req).projectId)) throw serverNotFound(id);
  enforce(req, 'servers:show', { projectId: s.project_id });
  return s;
}

const notFoundStatus = (e: unknown) => isAppError(e) && e.status === 404;

async function resolveNetworks(
  d: ServerApiDeps,
  req: FastifyRequest,
  asked: NetworkRequest[] | undefined,
): Promise<NetworkRequest[]> {
  const net = d.network();
  const project = auth(req).projectId ?? '';
  const usable = (n: Record<string, unknown>) =>
    isAdmin(auth(req)) || n.shared === true || n.project_id === project;
  if (asked === undefined) {
    const want = d.settings.provisioningNetwork;
    const byName = await net.findNetworks(d.ctx, { name: want });
    const found =
      byName[0] ??
      (await net.getNetwork(d.ctx, want).catch((e) => (notFoundStatus(e) ? undefined : Promise.reject(e))));
    if (!found)
      throw badRequest(
        `Unable to find a network for the server: the provisioning network ${want} does not exist.`,
      );
    return [{ uuid: String(found.id) }];
  }
  const out: NetworkRequest[] = [];
  for (const n of asked) {
    if (n.port) {
      const port = await net.getPort(d.ctx, n.port).catch((e) => {
        throw notFoundStatus(e) ? badRequest(`Port id ${n.port} could not be found.`) : e;
      });
      if (!isAdmin(auth(req)) && port.project_id !== project)
        throw badRequest(`Port id ${n.port} could not be found.`);
      if (port.device_id) throw conflict(`Port ${n.port} is still in use.`);
      out.push({ port: n.port, uuid: String(port.network_id) });
      continue;
    }
    const network = await net.getNetwork(d.ctx, n.uuid ?? '').catch((e) => {
      throw notFoundStatus(e) ? badRequest(`Network ${n.uuid} could not be found.`) : e;
    });
    if (!usable(network)) throw badRequest(`Network ${n.uuid} could not be found.`);
    out.push({ uuid: String(network.id), ...(n.fixedIp ? { fixedIp: n.fixedIp } : {}) });
  }
  return out;
}

export function serverRoutes(app: FastifyInstance, d: ServerApiDeps): void {
  app.post('/servers', async (req, reply) => {
    const caller = auth(req);
    enforce(req, 'servers:create', { projectId: caller.projectId });
    const body = bodyOf(req, 'server');
    const minor = version(req).minor;
    if (minor >= 37 && body.networks === undefined)
      throw badRequest("Invalid input for field/attribute server. 'networks' is a required property");
    const r = parseServerCreate(body, (req.body as Record<string, unknown>)['os:scheduler_hints'], minor);
    if (r.availabilityZone !== undefined && r.availabilityZone !== d.settings.availabilityZone)
      throw badRequest(`The requested availability zone is not available`);
    const flavor = await d.flavors.get(r.flavorRef);
    const visible =
      flavor &&
      (flavor.is_public ||
        isAdmin(caller) ||
        (await d.flavors.access(flavor.id)).includes(caller.projectId ?? ''));
    if (!flavor || !visible) throw badRequest(`Flavor ${r.flavorRef} could not be found.`);
    if (flavor.disabled) throw badRequest('Flavor is disabled.');
    const image = await d.image(req).get(d.ctx, r.imageRef);
    if (!image) throw badRequest(`Image ${r.imageRef} could not be found.`);
    if (image.status !== 'active') throw badRequest(`Image ${r.imageRef} is not active.`);
    if (Number(image.min_ram ?? 0) > flavor.ram)
      throw badRequest("Flavor's memory is too small for requested image.");
    if (Number(image.min_disk ?? 0) > flavor.disk)
      throw badRequest("Flavor's disk is too small for requested image.");
    let key: Server['key'] = null;
    if (r.keyName !== undefined) {
      const k = await d.keypairs.get(caller.userId, r.keyName).catch((e) => {
        throw notFoundStatus(e) ? badRequest('Invalid key_name provided.') : e;
      });
      key = { name: k.name, type: k.type, data: k.public_key };
    }
    const maxItems = (await d.quotas.limits(caller.projectId ?? '')).metadata_items ?? -1;
    if (maxItems !== -1 && Object.keys(r.metadata).length > maxItems)
      throw new AppError('FORBIDDEN', `Quota exceeded for metadata_items. Maximum allowed is ${maxItems}`, {
        type: 'forbidden',
      });
    if (r.group) {
      const g = await d.groups.get(r.group);
      if (!g || (!isAdmin(caller) && g.project_id !== caller.projectId))
        throw badRequest(`Instance group ${r.group} could not be found.`);
    }
    const networks = await resolveNetworks(d, req, r.networks);
    const requestId = req.id;
    const reservation = `r-${randomBytes(4).toString('hex')}`;
    const now = Date.now();
    const created = await d.servers.create(
      (count, firstId) =>
        Array.from({ length: count }, (_, i) => ({
          id: randomUUID(),
          project_id: caller.projectId ?? '',
          user_id: caller.userId,
          name: count > 1 ? `${r.name}-${i + 1}` : r.name,
          vm_state: 'building' as const,
          task_state: 'scheduling' as const,
          power_state: POWER.NOSTATE,
          node_uuid: null,
          allocation_id: null,
          flavor: {
            id: flavor.id,
            name: flavor.name,
            ram: flavor.ram,
            vcpus: flavor.vcpus,
            disk: flavor.disk,
            ephemeral: flavor.ephemeral,
            swap: flavor.swap,
            extra_specs: flavor.extra_specs,
          },
          image_ref: image.id,
          key_name: key?.name ?? null,
          key,
          user_data: r.userData === undefined ? null : r.userData.toString('base64'),
          config_drive: r.configDrive,
          metadata: r.metadata,
          tags: r.tags,
          description: r.description,
          availability_zone: d.settings.availabilityZone,
          requested_networks: networks,
          ports: [],
          fault: null,
          attempts: 0,
          excluded_nodes: [],
          deploy_sent: false,
          undeploy_sent: false,
          preserve_ephemeral: false,
          disk_config: r.diskConfig ?? 'MANUAL',
          request_id: requestId,
          group_id: r.group ?? null,
          launch_index: i,
          reservation_id: reservation,
          internal_id: firstId + i,
          access_ipv4: r.accessIPv4,
          access_ipv6: r.accessIPv6,
          created_at: now,
          updated_at: now,
          launched_at: null,
        })),
      {
        projectId: caller.projectId ?? '',
        min: r.minCount,
        max: r.maxCount,
        vcpus: flavor.vcpus,
        ram: flavor.ram,
      },
      { request_id: requestId, user_id: caller.userId },
    );
    for (const s of created) d.enqueue(s.id);
    reply.code(202);
    if (yes(String(body.return_reservation_id ?? ''))) return { reservation_id: reservation };
    const first = created[0]!;
    reply.header('location', links(req, 'servers', first.id)[0]!.href);
    return {
      server: {
        id: first.id,
        links: links(req, 'servers', first.id),
        'OS-DCF:diskConfig': r.diskConfig ?? 'MANUAL',
        security_groups: [{ name: 'default' }],
      },
    };
  });

  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    enforce(req, 'servers:index');
    const caller = auth(req);
    // Nova: present and empty (`?all_tenants`) means yes; otherwise a boolean.
    const allAsked = param(req, 'all_tenants');
    if (
      allAsked !== undefined &&
      allAsked !== '' &&
      !/^(1|0|true|false|t|f|yes|no|y|n|on|off)$/i.test(allAsked)
    )
      throw badRequest(`Invalid input for query parameters all_tenants. Value: ${allAsked}.`);
    const all = (allAsked === '' || yes(allAsked)) && can(req, 'servers:index:get_all_tenants');
    const project = all ? (param(req, 'project_id') ?? param(req, 'tenant_id')) : (caller.projectId ?? '');
    let list = await d.servers.list(project);
    const name = param(req, 'name');
    if (name !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(name);
      } catch {
        throw badRequest(`Invalid regular expression for name: ${name}`);
      }
      list = list.filter((s) => re.test(s.name));
    }
    const status = param(req, 'status');
    if (status !== undefined) {
      const states = vmStatesOfStatus(status);
      if (!states) return { servers: [] }; // Nova answers an unknown status with an empty list
      list = list.filter((s) => states.includes(s.vm_state));
    }
    const eq = (key: string, get: (s: Server) => string | null) => {
      const v = param(req, key);
      if (v !== undefined) list = list.filter((s) => get(s) === v);
    };
    eq('image', (s) => s.image_ref);
    eq('flavor', (s) => s.flavor.id);
    eq('availability_zone', (s) => s.availability_zone);
    eq('key_name', (s) => s.key_name);
    eq('reservation_id', (s) => s.reservation_id);
    if (all) eq('user_id', (s) => s.user_id);
    if (can(req, 'servers:extended_attributes')) {
      eq('host', (s) => (s.node_uuid ? d.settings.host : null));
      eq('node', (s) => s.node_uuid);
    }
    const ip = param(req, 'ip');
    if (ip !== undefined) {
      const re = new RegExp(ip.replace(/\./g, '\\.'));
      list = list.filter((s) => s.ports.some((p) => p.ips.some((a) => a.version === 4 && re.test(a.addr))));
    }
    const since_ = param(req, 'changes-since');
    if (since_ !== undefined) {
      // ISO 8601 only, as Nova's parse_isotime (Date.parse would take '2011/01/01').
      const t = ISO_8601.test(since_) ? Date.parse(since_) : Number.NaN;
      if (Number.isNaN(t))
        throw badRequest(`Invalid input for query parameters changes-since. Value: ${since_}.`);
      list = list.filter((s) => s.updated_at >= t);
    }
    if (since(req, 26)) {
      const tagList = (k: string) => param(req, k)?.split(',').filter(Boolean);
      const tags = tagList('tags');
      const any = tagList('tags-any');
      const notTags = tagList('not-tags');
      const notAny = tagList('not-tags-any');
      if (tags) list = list.filter((s) => tags.every((t) => s.tags.includes(t)));
      if (any) list = list.filter((s) => any.some((t) => s.tags.includes(t)));
      if (notTags) list = list.filter((s) => !notTags.every((t) => s.tags.includes(t)));
      if (notAny) list = list.filter((s) => !notAny.some((t) => s.tags.includes(t)));
    }
    // Nova's default order: newest first.
    const dir = param(req, 'sort_dir') === 'asc' ? 1 : -1;
    list.sort((a, b) => dir * (a.created_at - b.created_at || a.id.localeCompare(b.id)));
    const marker = param(req, 'marker');
    if (marker !== undefined) {
      const at = list.findIndex((s) => s.id === marker);
      if (at < 0) throw badRequest(`marker [${marker}] not found`);
      list = list.slice(at + 1);
    }
    const limit = intParam(req, 'limit', 0);
    if (limit !== undefined) list = list.slice(0, limit);
    const out: Record<string, unknown> = {
      servers: list.map((s) => (detail ? serverView(req, s, d.settings.host) : briefView(req, s))),
    };
    const next = nextLink(req, list.length, limit, list.at(-1)?.id);
    if (next) out.servers_links = next;
    return out;
  };
  app.get('/servers', listing(false));
  app.get('/servers/detail', listing(true));

  app.get<{ Params: { id: string } }>('/servers/:id', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    const groups = s.group_id ? [s.group_id] : [];
    return { server: serverView(req, s, d.settings.host, { groups }) };
  });

  app.put<{ Params: { id: string } }>('/servers/:id', async (req) => {
    const found = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'servers:update', { projectId: found.project_id });
    const body = bodyOf(req, 'server');
    for (const k of Object.keys(body))
      if (
        !['name', 'description', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig'].includes(k) ||
        (k === 'description' && !since(req, 19))
      )
        throw badRequest(`Additional properties are not allowed ('${k}' was unexpected)`);
    if (
      body.name !== undefined &&
      (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 255)
    )
      throw badRequest(`Invalid input for field/attribute name. Value: ${JSON.stringify(body.name)}.`);
    if (
      body.description !== undefined &&
      body.description !== null &&
      (typeof body.description !== 'string' || body.description.length > 255)
    )
      throw badRequest(
        `Invalid input for field/attribute description. Value: ${JSON.stringify(body.description)}.`,
      );
    const disk = diskConfig(body['OS-DCF:diskConfig']);
    const v4 = accessIp('accessIPv4', body.accessIPv4);
    const v6 = accessIp('accessIPv6', body.accessIPv6);
    const s = await d.servers.mutate(found.id, (x) => {
      if (typeof body.name === 'string') x.name = body.name;
      if (body.description !== undefined) x.description = body.description as string | null;
      if (disk) x.disk_config = disk;
      if (v4 !== undefined) x.access_ipv4 = v4;
      if (v6 !== undefined) x.access_ipv6 = v6;
      return true;
    });
    const groups = s.group_id ? [s.group_id] : [];
    return { server: serverView(req, s, d.settings.host, { groups, answering: 'update' }) };
  });

  app.delete<{ Params: { id: string } }>('/servers/:id', async (req, reply) => {
    const found = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'servers:delete', { projectId: found.project_id });
    const requestId = req.id;
    let started = false;
    await d.servers.db.tx(async (q) => {
      for (;;) {
        const s = await d.servers.get(found.id, q);
        if (!s || s.task_state === 'deleting') return; // already on its way out
        s.task_state = 'deleting';
        s.undeploy_sent = false;
        s.deploy_sent = false;
        s.request_id = requestId;
        if (await d.servers.save(s, q)) {
          await d.servers.addAction(q, s, 'delete', requestId, auth(req).userId);
          started = true;
          return;
        }
      }
    });
    if (started) await d.servers.event(found.id, requestId, 'compute_terminate_instance', d.settings.host);
    d.enqueue(found.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string; label: string } }>('/servers/:id/ips/:label', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    const found = addresses(s, false)[req.params.label];
    // Nova's wording for a network the server has no address on.
    if (!found) throw notFound('Instance is not a member of specified network');
    return { [req.params.label]: found };
  });

  app.get<{ Params: { id: string } }>('/servers/:id/ips', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    const out = addresses(s, false);
    return { addresses: out };
  });
}
