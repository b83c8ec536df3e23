// What every Neutron route shares: the caller's scope, body and attribute checks, policy with Neutron's
// 404-before-403 rule, and list responses with filters, fields, sorting and `<collection>_links`.
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { allowed, isAdmin, type Target } from '../../platform/policy/policy.ts';
import { badRequest, invalidInput, policyNotAuthorized } from '../model/errors.ts';
import { NETWORK_POLICY } from '../model/policy.ts';
import { filterItems, type Item, type Params, selectFields, sortAndPage } from '../model/query.ts';
import type { Scope } from '../model/records.ts';

export function auth(req: FastifyRequest): AuthContext {
  return req.auth!;
}

export function scopeOf(req: FastifyRequest): Scope {
  const a = auth(req);
  return { admin: isAdmin(a), projectId: a.projectId };
}

/** The rows of networks, subnets and ports a caller lists: every row for admins and for services (Neutron's
 * advsvc sees all rows of these), else its scope. */
export function rowScope(req: FastifyRequest): Scope {
  const a = auth(req);
  return a.roles.includes('service') ? { admin: true } : scopeOf(req);
}

export function can(req: FastifyRequest, action: string, target: Target = {}): boolean {
  return allowed(NETWORK_POLICY, action, auth(req), target);
}

export function enforceAction(req: FastifyRequest, action: string, target: Target = {}): void {
  if (!can(req, action, target)) throw policyNotAuthorized(action);
}

/** The `{"<resource>": {...}}` object of a request, or Neutron's 400. */
export function resourceBody(req: FastifyRequest, resource: string): Record<string, unknown> {
  const body = req.body as Record<string, unknown> | undefined;
  const inner = body?.[resource];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    throw badRequest(resource, `Resource body required`);
  return inner as Record<string, unknown>;
}

/** The bodies of a create: one `{"<resource>": {...}}`, or a bulk `{"<collection>": [...]}` whose items are
 * bare or wrapped in `{"<resource>": {...}}` (as Neutron accepts them). */
export function createBodies(
  req: FastifyRequest,
  resource: string,
  collection: string,
): { bodies: Record<string, unknown>[]; bulk: boolean } {
  const body = req.body as Record<string, unknown> | undefined;
  const list = body?.[collection];
  if (list === undefined) return { bodies: [resourceBody(req, resource)], bulk: false };
  if (!Array.isArray(list) || list.length === 0) throw badRequest(resource, 'Resources required');
  const bodies = list.map((item: unknown) => {
    const inner = (item as Record<string, unknown> | null)?.[resource] ?? item;
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
      throw badRequest(resource, 'Resource body required');
    return inner as Record<string, unknown>;
  });
  return { bodies, bulk: true };
}

/** Creates every body in turn; when one fails, the ones already made are deleted again (newest first) and
 * the failure is the answer, so a bulk create is all or nothing, as Neutron's emulated bulk is. */
export async function createAll<T>(
  bodies: readonly Record<string, unknown>[],
  create: (body: Record<string, unknown>) => Promise<T>,
  undo: (made: T) => Promise<void>,
): Promise<T[]> {
  const made: T[] = [];
  try {
    for (const b of bodies) made.push(await create(b));
    return made;
  } catch (e) {
    for (const m of made.reverse()) await undo(m).catch(() => undefined);
    throw e;
  }
}

/** The project a create acts for: the caller's, or another one when policy lets it choose. */
export function ownerFor(req: FastifyRequest, body: Record<string, unknown>): string {
  const asked = body.project_id ?? body.tenant_id;
  const mine = auth(req).projectId ?? '';
  if (asked === undefined || asked === null || asked === mine) return mine;
  if (typeof asked !== 'string' || asked === '')
    throw invalidInput(`'${String(asked)}' is not a valid project id`);
  if (body.project_id !== undefined && body.tenant_id !== undefined && body.project_id !== body.tenant_id)
    throw invalidInput("'project_id' and 'tenant_id' do not match");
  enforceAction(req, 'set_project');
  return asked;
}

/** One resource's show: `{"<resource>": {...}}` with exactly the attributes asked by `fields`, if any. */
export function showResponse(req: FastifyRequest, resource: string, item: Item): Record<string, Item> {
  return { [resource]: selectFields(item, req.query as Params) };
}

/** One listing: visibility is the caller's business; here come filters, order, the page and the fields. */
export function listResponse(
  req: FastifyRequest,
  collection: string,
  kind: string,
  items: Item[],
  sortable: readonly string[],
): Record<string, unknown> {
  const params = req.query as Params;
  const filtered = filterItems(items, params);
  const page = sortAndPage(filtered, params, sortable, kind);
  const out: Record<string, unknown> = { [collection]: page.items.map((i) => selectFields(i, params)) };
  const links: { rel: string; href: string }[] = [];
  if (page.next) links.push({ rel: 'next', href: pageHref(req, params, page.next, false) });
  if (page.previous) links.push({ rel: 'previous', href: pageHref(req, params, page.previous, true) });
  if (links.length > 0) out[`${collection}_links`] = links;
  return out;
}

function pageHref(req: FastifyRequest, params: Params, marker: string, previous: boolean): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (k === 'marker' || k === 'page_reverse' || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  }
  qs.append('marker', marker);
  if (previous) qs.append('page_reverse', 'True');
  const path = req.url.split('?')[0];
  return `${req.protocol}://${req.headers.host ?? 'localhost'}${path}?${qs.toString()}`;
}
