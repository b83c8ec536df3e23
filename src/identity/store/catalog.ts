// The service catalog: regions, services and their endpoints.
import type { Queryable, Row } from '../../platform/db/types.ts';
import type { CatalogService, Endpoint, Interface, Region } from '../model/types.ts';
import { bool, int, newId, unique, update, where } from './sql.ts';

const regionOf = (r: Row): Region => ({
  id: r.id as string,
  description: (r.description as string) ?? '',
  parentRegionId: (r.parent_region_id as string | null) ?? null,
});

const serviceOf = (r: Row): CatalogService => ({
  id: r.id as string,
  type: r.type as string,
  name: (r.name as string) ?? '',
  description: (r.description as string) ?? '',
  enabled: bool(r.enabled),
});

const endpointOf = (r: Row): Endpoint => ({
  id: r.id as string,
  serviceId: r.service_id as string,
  interface: r.interface as Interface,
  regionId: (r.region_id as string | null) ?? null,
  url: r.url as string,
  enabled: bool(r.enabled),
});

export async function getRegion(q: Queryable, id: string): Promise<Region | undefined> {
  const r = await q.get('SELECT * FROM identity_regions WHERE id = ?', [id]);
  return r ? regionOf(r) : undefined;
}

export async function listRegions(q: Queryable, f: { parentRegionId?: string }): Promise<Region[]> {
  const w = where({ parent_region_id: f.parentRegionId });
  return (await q.all(`SELECT * FROM identity_regions${w.sql} ORDER BY id`, w.params)).map(regionOf);
}

export async function createRegion(q: Queryable, r: Region): Promise<Region> {
  await unique(`region ${r.id}`, () =>
    q.run('INSERT INTO identity_regions (id, description, parent_region_id) VALUES (?, ?, ?)', [
      r.id,
      r.description,
      r.parentRegionId,
    ]),
  );
  return r;
}

export async function updateRegion(q: Queryable, id: string, c: Partial<Omit<Region, 'id'>>) {
  const n = await update(q, 'identity_regions', id, {
    description: c.description,
    parent_region_id: c.parentRegionId,
  });
  return n ? getRegion(q, id) : undefined;
}

export async function deleteRegion(q: Queryable, id: string): Promise<boolean> {
  return (await q.run('DELETE FROM identity_regions WHERE id = ?', [id])).changes > 0;
}

export async function getService(q: Queryable, id: string): Promise<CatalogService | undefined> {
  const r = await q.get('SELECT * FROM identity_services WHERE id = ?', [id]);
  return r ? serviceOf(r) : undefined;
}

export async function listServices(q: Queryable, f: { type?: string; name?: string }) {
  const w = where({ type: f.type, name: f.name });
  return (await q.all(`SELECT * FROM identity_services${w.sql} ORDER BY type, name, id`, w.params)).map(
    serviceOf,
  );
}

export async function createService(q: Queryable, s: Omit<CatalogService, 'id'>): Promise<CatalogService> {
  const service = { ...s, id: newId() };
  await q.run('INSERT INTO identity_services (id, type, name, description, enabled) VALUES (?, ?, ?, ?, ?)', [
    service.id,
    service.type,
    service.name,
    service.description,
    int(service.enabled),
  ]);
  return service;
}

export async function updateService(q: Queryable, id: string, c: Partial<Omit<CatalogService, 'id'>>) {
  const n = await update(q, 'identity_services', id, {
    type: c.type,
    name: c.name,
    description: c.description,
    enabled: c.enabled === undefined ? undefined : int(c.enabled),
  });
  return n ? getService(q, id) : undefined;
}

export async function deleteService(q: Queryable, id: string): Promise<boolean> {
  await q.run('DELETE FROM identity_endpoints WHERE service_id = ?', [id]);
  return (await q.run('DELETE FROM identity_services WHERE id = ?', [id])).changes > 0;
}

export async function getEndpoint(q: Queryable, id: string): Promise<Endpoint | undefined> {
  const r = await q.get('SELECT * FROM identity_endpoints WHERE id = ?', [id]);
  return r ? endpointOf(r) : undefined;
}

export async function listEndpoints(
  q: Queryable,
  f: { serviceId?: string; interface?: string; regionId?: string },
): Promise<Endpoint[]> {
  const w = where({ service_id: f.serviceId, interface: f.interface, region_id: f.regionId });
  return (
    await q.all(`SELECT * FROM identity_endpoints${w.sql} ORDER BY service_id, interface`, w.params)
  ).map(endpointOf);
}

export async function createEndpoint(q: Queryable, e: Omit<Endpoint, 'id'>): Promise<Endpoint> {
  const endpoint = { ...e, id: newId() };
  await unique('endpoint', () =>
    q.run(
      'INSERT INTO identity_endpoints (id, service_id, interface, region_id, url, enabled) VALUES (?, ?, ?, ?, ?, ?)',
      [
        endpoint.id,
        endpoint.serviceId,
        endpoint.interface,
        endpoint.regionId,
        endpoint.url,
        int(endpoint.enabled),
      ],
    ),
  );
  return endpoint;
}

export async function updateEndpoint(q: Queryable, id: string, c: Partial<Omit<Endpoint, 'id'>>) {
  const n = await unique('endpoint', () =>
    update(q, 'identity_endpoints', id, {
      service_id: c.serviceId,
      interface: c.interface,
      region_id: c.regionId,
      url: c.url,
      enabled: c.enabled === undefined ? undefined : int(c.enabled),
    }),
  );
  return n ? getEndpoint(q, id) : undefined;
}

export async function deleteEndpoint(q: Queryable, id: string): Promise<boolean> {
  return (await q.run('DELETE FROM identity_endpoints WHERE id = ?', [id])).changes > 0;
}
