// Flavors (/flavors, /flavors/detail), their extra specs and their project access, as Nova serves them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict, notFound } from '../../platform/errors/catalogue.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import { description, type Flavor, parseExtraSpecs, parseFlavorCreate } from '../model/flavor.ts';
import type { FlavorFilter, FlavorStore } from '../store/flavors.ts';
import { flavorNotFound } from '../store/flavors.ts';
import { auth, bodyOf, can, enforce, intParam, links, nextLink, param, since } from './common.ts';

export function flavorView(req: FastifyRequest, f: Flavor): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    vcpus: f.vcpus,
    // Before 2.75 a flavor without swap shows "" (Nova's historical quirk); from 2.75, 0.
    swap: f.swap === 0 && !since(req, 75) ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': f.disabled,
    'os-flavor-access:is_public': f.is_public,
    rxtx_factor: f.rxtx_factor,
    links: links(req, 'flavors', f.id),
  };
  if (since(req, 55)) out.description = f.description;
  if (since(req, 61)) out.extra_specs = f.extra_specs;
  return out;
}

function briefView(req: FastifyRequest, f: Flavor): Record<string, unknown> {
  const out: Record<string, unknown> = { id: f.id, links: links(req, 'flavors', f.id), name: f.name };
  if (since(req, 55)) out.description = f.description;
  return out;
}

/** Nova's is_public parameter: true by default, "None" (any case) for every visibility. */
function visibility(req: FastifyRequest): FlavorFilter {
  const raw = param(req, 'is_public');
  const admin = isAdmin(auth(req));
  let isPublic: boolean | undefined = true;
  if (raw !== undefined) {
    const t = raw.toLowerCase();
    if (t === 'none') isPublic = undefined;
    else if (['true', 't', '1', 'yes', 'y', 'on'].includes(t)) isPublic = true;
    else if (['false', 'f', '0', 'no', 'n', 'off'].includes(t)) isPublic = false;
    else throw badRequest(`Invalid is_public filter [${raw}]`);
  }
  // Non-admins see public flavors and the private ones shared with their project, whatever they ask.
  if (!admin || !can(req, 'flavors:all_visibilities'))
    return { isPublic: isPublic === false ? false : undefined, project: auth(req).projectId ?? '' };
  return { isPublic };
}

async function page(req: FastifyRequest, flavors: FlavorStore): Promise<{ items: Flavor[]; limit?: number }> {
  const all = await flavors.list({
    ...visibility(req),
    minRam: intParam(req, 'minRam', 0),
    minDisk: intParam(req, 'minDisk', 0),
  });
  const limit = intParam(req, 'limit', 0);
  const marker = param(req, 'marker');
  let start = 0;
  if (marker !== undefined) {
    const at = all.findIndex((f) => f.id === marker);
    if (at < 0) throw badRequest(`marker [${marker}] not found`);
    start = at + 1;
  }
  const items = all.slice(start, limit === undefined ? undefined : start + limit);
  return { items, limit };
}

/** A flavor the caller may see: private ones only for admins or projects given access. */
async function visible(req: FastifyRequest, flavors: FlavorStore, id: string): Promise<Flavor> {
  const f = await flavors.get(id);
  if (!f) throw flavorNotFound(id);
  if (!f.is_public && !isAdmin(auth(req)) && !(await flavors.access(id)).includes(auth(req).projectId ?? ''))
    throw flavorNotFound(id);
  return f;
}

export function flavorRoutes(app: FastifyInstance, flavors: FlavorStore): void {
  const listing = (detail: boolean) => async (req: FastifyRequest) => {
    enforce(req, 'flavors:index');
    const { items, limit } = await page(req, flavors);
    const out: Record<string, unknown> = {
      flavors: items.map((f) => (detail ? flavorView(req, f) : briefView(req, f))),
    };
    const next = nextLink(req, items.length, limit, items.at(-1)?.id);
    if (next) out.flavors_links = next;
    return out;
  };
  app.get('/flavors', listing(false));
  app.get('/flavors/detail', listing(true));

  app.get<{ Params: { id: string } }>('/flavors/:id', async (req) => {
    enforce(req, 'flavors:show');
    return { flavor: flavorView(req, await visible(req, flavors, req.params.id)) };
  });

  app.post('/flavors', async (req) => {
    enforce(req, 'flavors:create');
    const spec = parseFlavorCreate(bodyOf(req, 'flavor'), since(req, 55));
    const f = await flavors.create(spec);
    return { flavor: flavorView(req, f) };
  });

  app.put<{ Params: { id: string } }>('/flavors/:id', async (req) => {
    if (!since(req, 55)) throw badRequest('Updating a flavor needs microversion 2.55 or later.');
    enforce(req, 'flavors:update');
    const body = bodyOf(req, 'flavor');
    for (const k of Object.keys(body))
      if (k !== 'description')
        throw badRequest(
          `Invalid input for field/attribute flavor. Additional properties are not allowed ('${k}' was unexpected)`,
        );
    if (!('description' in body))
      throw badRequest(`Invalid input for field/attribute flavor. 'description' is a required property`);
    return {
      flavor: flavorView(req, await flavors.setDescription(req.params.id, description(body.description))),
    };
  });

  app.delete<{ Params: { id: string } }>('/flavors/:id', async (req, reply) => {
    enforce(req, 'flavors:delete');
    await flavors.delete(req.params.id);
    return reply.code(202).send();
  });

  // Extra specs.
  app.get<{ Params: { id: string } }>('/flavors/:id/os-extra_specs', async (req) => {
    enforce(req, 'flavor_extra_specs:index');
    return { extra_specs: (await visible(req, flavors, req.params.id)).extra_specs };
  });
  app.get<{ Params: { id: string; key: string } }>('/flavors/:id/os-extra_specs/:key', async (req) => {
    enforce(req, 'flavor_extra_specs:show');
    const f = await visible(req, flavors, req.params.id);
    const v = f.extra_specs[req.params.key];
    if (v === undefined) throw flavorSpecNotFound(f.id, req.params.key);
    return { [req.params.key]: v };
  });
  app.post<{ Params: { id: string } }>('/flavors/:id/os-extra_specs', async (req) => {
    enforce(req, 'flavor_extra_specs:create');
    const specs = parseExtraSpecs((req.body as Record<string, unknown> | undefined)?.extra_specs);
    await flavors.setSpecs(req.params.id, specs);
    return { extra_specs: specs };
  });
  app.put<{ Params: { id: string; key: string } }>('/flavors/:id/os-extra_specs/:key', async (req) => {
    enforce(req, 'flavor_extra_specs:update');
    const specs = parseExtraSpecs(req.body ?? {});
    const keys = Object.keys(specs);
    if (keys.length !== 1) throw badRequest('Request body contains too many items');
    if (keys[0] !== req.params.key) throw badRequest('Request body and URI mismatch');
    await flavors.setSpecs(req.params.id, specs);
    return specs;
  });
  app.delete<{ Params: { id: string; key: string } }>(
    '/flavors/:id/os-extra_specs/:key',
    async (req, reply) => {
      enforce(req, 'flavor_extra_specs:delete');
      await flavors.require(req.params.id);
      await flavors.deleteSpec(req.params.id, req.params.key);
      return reply.code(200).send();
    },
  );

  // Project access to private flavors.
  const accessView = async (id: string) => ({
    flavor_access: (await flavors.access(id)).map((p) => ({ flavor_id: id, tenant_id: p })),
  });
  app.get<{ Params: { id: string } }>('/flavors/:id/os-flavor-access', async (req) => {
    enforce(req, 'flavor_access:index');
    const f = await flavors.require(req.params.id);
    if (f.is_public) throw notFound('Access list not available for public flavors.');
    return accessView(f.id);
  });
  app.post<{ Params: { id: string } }>('/flavors/:id/action', async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const [action, ...rest] = Object.keys(body);
    if (rest.length > 0 || (action !== 'addTenantAccess' && action !== 'removeTenantAccess'))
      throw badRequest('There is no such action: ' + (action ?? ''));
    enforce(
      req,
      action === 'addTenantAccess' ? 'flavor_access:add_tenant_access' : 'flavor_access:remove_tenant_access',
    );
    const tenant = bodyOf(req, action).tenant;
    if (typeof tenant !== 'string' || tenant === '' || tenant.length > 255)
      throw badRequest(`Invalid input for field/attribute tenant. Value: ${JSON.stringify(tenant)}.`);
    const f = await flavors.require(req.params.id);
    if (f.is_public) throw conflict('Can not add access to a public flavor.');
    if (action === 'addTenantAccess') await flavors.addAccess(f.id, tenant);
    else await flavors.removeAccess(f.id, tenant);
    return accessView(f.id);
  });
}

const flavorSpecNotFound = (id: string, key: string) =>
  notFound(`Flavor ${id} has no extra specs with key ${key}.`);
