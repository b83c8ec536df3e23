// What the Keystone types share: the identity directory, called with the stack owner's token so that
// Keystone's own policy judges each call (admin only for projects, users and roles, as Heat's defaults
// say); domains, projects, users and roles named by id or by name; and role grants as a list of
// {role, project | domain} items, applied as the difference between two lists.
import type { Collection, Entity, Grant, IdentityDirectory } from '../../../identity/directory-client.ts';
import { isMap, type Json } from '../../model/template-format.ts';
import type { ResourceContext } from './plugin.ts';

export interface Keystone {
  dir: IdentityDirectory;
  token: string;
}

export function keystone(rc: ResourceContext, type: string): Keystone {
  const dir = rc.clients.identity?.directory;
  if (!dir) throw new Error(`${type} needs the identity service's client, which this engine was not given.`);
  if (!rc.token)
    throw new Error(`${type} acts with the stack owner's token, which this operation does not carry.`);
  return { dir, token: rc.token };
}

const SINGULAR: Record<Collection, string> = {
  projects: 'project',
  users: 'user',
  roles: 'role',
  domains: 'domain',
};

/** The id of the `kind` entity `ref` names: its id, else its unique name (within `domain` when given). */
export async function idOf(
  k: Keystone,
  rc: ResourceContext,
  kind: Collection,
  ref: string,
  domain?: string,
): Promise<string> {
  const byId = await k.dir.get(rc.ctx, k.token, kind, ref).catch(() => undefined);
  if (byId) return byId.id;
  const named = await k.dir.find(rc.ctx, k.token, kind, {
    name: ref,
    ...(domain && kind !== 'domains' && kind !== 'roles' ? { domain_id: domain } : {}),
  });
  if (named.length === 1) return (named[0] as Entity).id;
  const what = SINGULAR[kind];
  throw new Error(
    named.length > 1
      ? `Multiple ${kind} named ${ref} exist.`
      : `The ${what[0]?.toUpperCase()}${what.slice(1)} (${ref}) could not be found.`,
  );
}

/** A grant list item as the templates write it: {role, project} or {role, domain}. */
export interface RoleItem {
  role: string;
  project?: string;
  domain?: string;
}

export const ROLE_ITEM_SCHEMA = {
  type: 'map' as const,
  schema: {
    role: { type: 'string' as const, required: true, description: 'Keystone role (name or id).' },
    project: { type: 'string' as const, description: 'Keystone project (name or id).' },
    domain: { type: 'string' as const, description: 'Keystone domain (name or id).' },
  },
};

export function roleItems(v: Json | undefined): RoleItem[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isMap).map((x) => {
    const item: RoleItem = { role: String(x.role) };
    if (typeof x.project === 'string') item.project = x.project;
    if (typeof x.domain === 'string') item.domain = x.domain;
    if ((item.project === undefined) === (item.domain === undefined))
      throw new Error(`Role ${item.role}: give exactly one of project or domain.`);
    return item;
  });
}

/** The grants of `items` for a user, every name resolved to an id. */
export async function grantsOf(
  k: Keystone,
  rc: ResourceContext,
  user: string,
  items: RoleItem[],
): Promise<Grant[]> {
  const out: Grant[] = [];
  for (const it of items) {
    const role = await idOf(k, rc, 'roles', it.role);
    const target = it.project
      ? { projects: await idOf(k, rc, 'projects', it.project) }
      : { domains: await idOf(k, rc, 'domains', String(it.domain)) };
    out.push({ role, actor: { users: user }, target });
  }
  return out;
}

const grantKey = (g: Grant) => JSON.stringify([g.role, g.actor, g.target]);

/** Grants what `next` adds and revokes what it drops (a grant already gone counts as revoked). */
export async function applyGrants(
  k: Keystone,
  rc: ResourceContext,
  prev: Grant[],
  next: Grant[],
): Promise<void> {
  const had = new Set(prev.map(grantKey));
  const want = new Set(next.map(grantKey));
  for (const g of next) if (!had.has(grantKey(g))) await k.dir.grant(rc.ctx, k.token, g);
  for (const g of prev)
    if (!want.has(grantKey(g)))
      await k.dir.revoke(rc.ctx, k.token, g).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
}

export const isNotFound = (e: unknown) => (e as { code?: string }).code === 'NOT_FOUND';

/** Deletes, counting a thing already gone as deleted. */
export async function deleteQuietly(k: Keystone, rc: ResourceContext, kind: Collection, id: string | null) {
  if (!id) return;
  await k.dir.delete(rc.ctx, k.token, kind, id).catch((e) => {
    if (!isNotFound(e)) throw e;
  });
}
