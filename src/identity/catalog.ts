// The service catalog as tokens carry it, and the idempotent registration every service uses on start.
import type { Queryable } from '../platform/db/types.ts';
import type { EndpointRegistration } from './client.ts';
import type { IdentityCore } from './core.ts';
import { INTERFACES } from './model/types.ts';
import {
  createEndpoint,
  createRegion,
  createService,
  getRegion,
  listEndpoints,
  listServices,
  updateEndpoint,
  updateService,
} from './store/catalog.ts';

export interface CatalogEntryView {
  type: string;
  name: string;
  id: string;
  endpoints: {
    id: string;
    interface: string;
    region: string | null;
    region_id: string | null;
    url: string;
  }[];
}

export async function buildCatalog(q: Queryable): Promise<CatalogEntryView[]> {
  const endpoints = (await listEndpoints(q, {})).filter((e) => e.enabled);
  return (await listServices(q, {}))
    .filter((s) => s.enabled)
    .map((s) => ({
      type: s.type,
      name: s.name,
      id: s.id,
      endpoints: endpoints
        .filter((e) => e.serviceId === s.id)
        .map((e) => ({
          id: e.id,
          interface: e.interface,
          region: e.regionId,
          region_id: e.regionId,
          url: e.url,
        })),
    }))
    .filter((s) => s.endpoints.length > 0);
}

/** Creates or updates each service and its three endpoints in the region; URLs follow port changes. */
export async function registerEndpoints(core: IdentityCore, entries: readonly EndpointRegistration[]) {
  await core.write(async (q) => {
    for (const entry of entries) {
      if (!(await getRegion(q, entry.region))) {
        await createRegion(q, { id: entry.region, description: '', parentRegionId: null });
      }
      const services = await listServices(q, { type: entry.type });
      let service = services.find((s) => s.name === entry.name) ?? services[0];
      if (!service) {
        service = await createService(q, {
          type: entry.type,
          name: entry.name,
          description: '',
          enabled: true,
        });
      } else if (service.name !== entry.name || !service.enabled) {
        await updateService(q, service.id, { name: entry.name, enabled: true });
      }
      const existing = await listEndpoints(q, { serviceId: service.id, regionId: entry.region });
      for (const iface of INTERFACES) {
        const found = existing.filter((e) => e.interface === iface);
        if (found.length === 0) {
          await createEndpoint(q, {
            serviceId: service.id,
            interface: iface,
            regionId: entry.region,
            url: entry.url,
            enabled: true,
          });
        }
        for (const e of found) {
          if (e.url !== entry.url || !e.enabled)
            await updateEndpoint(q, e.id, { url: entry.url, enabled: true });
        }
      }
    }
  });
}

/**
 * Keystone substitutes `%(tenant_id)s` / `%(project_id)s` in endpoint URLs with the token's project (Heat's
 * `/v1/%(tenant_id)s`). Endpoints that still name a placeholder it cannot fill are left out, as Keystone does.
 */
export function scopeCatalog(catalog: CatalogEntryView[], projectId: string | undefined): CatalogEntryView[] {
  const fill = (url: string) =>
    projectId === undefined ? url : url.replace(/%\((?:tenant_id|project_id)\)s/g, projectId);
  return catalog
    .map((s) => ({
      ...s,
      endpoints: s.endpoints.map((e) => ({ ...e, url: fill(e.url) })).filter((e) => !/%\(\w+\)s/.test(e.url)),
    }))
    .filter((s) => s.endpoints.length > 0);
}
