// /v3/regions, /v3/services and /v3/endpoints: the catalog as an administrator edits it.
import type { FastifyInstance } from 'fastify';
import { badRequest, conflict } from '../../platform/errors/catalogue.ts';
import type { IdentityCore } from '../core.ts';
import { INTERFACES, type Interface } from '../model/types.ts';
import {
  createEndpoint,
  createRegion,
  createService,
  deleteEndpoint,
  deleteRegion,
  deleteService,
  getEndpoint,
  getRegion,
  getService,
  listEndpoints,
  listRegions,
  listServices,
  updateEndpoint,
  updateRegion,
  updateService,
} from '../store/catalog.ts';
import { newId } from '../store/sql.ts';
import { allow, type IdParams, must } from './common.ts';
import { bool, entity, name, type Obj, optId, qs, text } from './input.ts';
import { endpointView, list, regionView, serviceView } from './views.ts';

function iface(o: Obj, required: boolean): Interface | undefined {
  const v = o.interface;
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !INTERFACES.includes(v as Interface)) {
    throw badRequest("Invalid input for field 'endpoint.interface': one of public, internal, admin.");
  }
  return v as Interface;
}

function url(o: Obj, required: boolean): string | undefined {
  const v = o.url;
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) || v.length > 1024) {
    throw badRequest("Invalid input for field 'endpoint.url': expected an absolute URL.");
  }
  return v;
}

export function catalogAdminRoutes(app: FastifyInstance, core: IdentityCore): void {
  app.get('/v3/regions', async (req) => {
    allow(req, 'identity:get_catalog');
    const regions = await listRegions(core.db, { parentRegionId: qs(req.query, 'parent_region_id') });
    return list(
      req,
      'regions',
      regions.map((r) => regionView(req, r)),
    );
  });
  app.get<{ Params: IdParams }>('/v3/regions/:id', async (req) => {
    allow(req, 'identity:get_catalog');
    return {
      region: regionView(req, must(await getRegion(core.db, req.params.id), 'region', req.params.id)),
    };
  });
  const createRegionFrom = async (body: unknown, id: string | undefined) => {
    const r = entity(body, 'region');
    const given = optId(r, 'id', 'region') ?? undefined;
    if (id && given && given !== id)
      throw badRequest('The region id in the body differs from the one in the URL.');
    const region = {
      id: id ?? given ?? newId(),
      description: text(r, 'description', 'region') ?? '',
      parentRegionId: optId(r, 'parent_region_id', 'region') ?? null,
    };
    return core.write(async (q) => {
      if (region.parentRegionId && !(await getRegion(q, region.parentRegionId))) {
        throw badRequest(`Could not find parent region: ${region.parentRegionId}.`);
      }
      return createRegion(q, region);
    });
  };
  app.post('/v3/regions', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    return reply.code(201).send({ region: regionView(req, await createRegionFrom(req.body, undefined)) });
  });
  // Keystone also creates a region with the id in the URL.
  app.put<{ Params: IdParams }>('/v3/regions/:id', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    return reply.code(201).send({ region: regionView(req, await createRegionFrom(req.body, req.params.id)) });
  });
  app.patch<{ Params: IdParams }>('/v3/regions/:id', async (req) => {
    allow(req, 'identity:manage_catalog');
    const r = entity(req.body, 'region');
    const changes = {
      description: text(r, 'description', 'region'),
      parentRegionId: optId(r, 'parent_region_id', 'region'),
    };
    if (changes.parentRegionId === req.params.id) throw badRequest('A region cannot be its own parent.');
    const region = await core.write(async (q) =>
      must(await updateRegion(q, req.params.id, changes), 'region', req.params.id),
    );
    return { region: regionView(req, region) };
  });
  app.delete<{ Params: IdParams }>('/v3/regions/:id', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    await core.write(async (q) => {
      must(await getRegion(q, req.params.id), 'region', req.params.id);
      // Child regions must go first; endpoints in the region stay, without a region (as keystone does).
      if ((await listRegions(q, { parentRegionId: req.params.id })).length > 0) {
        throw conflict(`Region ${req.params.id} still has child regions.`);
      }
      for (const e of await listEndpoints(q, { regionId: req.params.id })) {
        await updateEndpoint(q, e.id, { regionId: null });
      }
      await deleteRegion(q, req.params.id);
    });
    return reply.code(204).send();
  });

  app.get('/v3/services', async (req) => {
    allow(req, 'identity:get_catalog');
    const services = await listServices(core.db, {
      type: qs(req.query, 'type'),
      name: qs(req.query, 'name'),
    });
    return list(
      req,
      'services',
      services.map((s) => serviceView(req, s)),
    );
  });
  app.get<{ Params: IdParams }>('/v3/services/:id', async (req) => {
    allow(req, 'identity:get_catalog');
    return {
      service: serviceView(req, must(await getService(core.db, req.params.id), 'service', req.params.id)),
    };
  });
  app.post('/v3/services', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    const s = entity(req.body, 'service');
    const service = {
      type: name(s, 'type', 'service', true),
      name: name(s, 'name', 'service', false) ?? '',
      description: text(s, 'description', 'service') ?? '',
      enabled: bool(s, 'enabled', 'service') ?? true,
    };
    const created = await core.write((q) => createService(q, service));
    return reply.code(201).send({ service: serviceView(req, created) });
  });
  app.patch<{ Params: IdParams }>('/v3/services/:id', async (req) => {
    allow(req, 'identity:manage_catalog');
    const s = entity(req.body, 'service');
    const changes = {
      type: name(s, 'type', 'service', false),
      name: name(s, 'name', 'service', false),
      description: text(s, 'description', 'service'),
      enabled: bool(s, 'enabled', 'service'),
    };
    const service = await core.write(async (q) =>
      must(await updateService(q, req.params.id, changes), 'service', req.params.id),
    );
    return { service: serviceView(req, service) };
  });
  app.delete<{ Params: IdParams }>('/v3/services/:id', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    const removed = await core.write((q) => deleteService(q, req.params.id));
    if (!removed) must(undefined, 'service', req.params.id);
    return reply.code(204).send();
  });

  app.get('/v3/endpoints', async (req) => {
    allow(req, 'identity:get_catalog');
    // Endpoints have no name: the CLI's lookup by name must find none, not all of them.
    if (qs(req.query, 'name') !== undefined) return list(req, 'endpoints', []);
    const endpoints = await listEndpoints(core.db, {
      serviceId: qs(req.query, 'service_id'),
      interface: qs(req.query, 'interface'),
      regionId: qs(req.query, 'region_id'),
    });
    return list(
      req,
      'endpoints',
      endpoints.map((e) => endpointView(req, e)),
    );
  });
  app.get<{ Params: IdParams }>('/v3/endpoints/:id', async (req) => {
    allow(req, 'identity:get_catalog');
    return {
      endpoint: endpointView(req, must(await getEndpoint(core.db, req.params.id), 'endpoint', req.params.id)),
    };
  });
  app.post('/v3/endpoints', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    const e = entity(req.body, 'endpoint');
    const serviceId = optId(e, 'service_id', 'endpoint');
    if (!serviceId) throw badRequest("Invalid input for field 'endpoint.service_id': required.");
    const endpoint = {
      serviceId,
      interface: iface(e, true)!,
      url: url(e, true)!,
      regionId: optId(e, 'region_id', 'endpoint') ?? optId(e, 'region', 'endpoint') ?? null,
      enabled: bool(e, 'enabled', 'endpoint') ?? true,
    };
    const created = await core.write(async (q) => {
      if (!(await getService(q, serviceId))) throw badRequest(`Could not find service: ${serviceId}.`);
      if (endpoint.regionId && !(await getRegion(q, endpoint.regionId))) {
        await createRegion(q, { id: endpoint.regionId, description: '', parentRegionId: null });
      }
      return createEndpoint(q, endpoint);
    });
    return reply.code(201).send({ endpoint: endpointView(req, created) });
  });
  app.patch<{ Params: IdParams }>('/v3/endpoints/:id', async (req) => {
    allow(req, 'identity:manage_catalog');
    const e = entity(req.body, 'endpoint');
    const changes = {
      serviceId: optId(e, 'service_id', 'endpoint') ?? undefined,
      interface: iface(e, false),
      url: url(e, false),
      regionId: optId(e, 'region_id', 'endpoint') ?? optId(e, 'region', 'endpoint'),
      enabled: bool(e, 'enabled', 'endpoint'),
    };
    const endpoint = await core.write(async (q) => {
      if (changes.serviceId && !(await getService(q, changes.serviceId))) {
        throw badRequest(`Could not find service: ${changes.serviceId}.`);
      }
      // As on create, keystone makes the region when it is new.
      if (changes.regionId && !(await getRegion(q, changes.regionId))) {
        await createRegion(q, { id: changes.regionId, description: '', parentRegionId: null });
      }
      return must(await updateEndpoint(q, req.params.id, changes), 'endpoint', req.params.id);
    });
    return { endpoint: endpointView(req, endpoint) };
  });
  app.delete<{ Params: IdParams }>('/v3/endpoints/:id', async (req, reply) => {
    allow(req, 'identity:manage_catalog');
    const removed = await core.write((q) => deleteEndpoint(q, req.params.id));
    if (!removed) must(undefined, 'endpoint', req.params.id);
    return reply.code(204).send();
  });
}
