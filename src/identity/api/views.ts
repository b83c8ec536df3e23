// Keystone's JSON shapes for each entity, with their `links.self`.
import type { FastifyRequest } from 'fastify';
import { isoTime } from '../model/time.ts';
import type {
  AppCredential,
  CatalogService,
  Domain,
  Endpoint,
  Group,
  Project,
  Region,
  Role,
  User,
} from '../model/types.ts';
import { publicBase } from './render.ts';

const self = (req: FastifyRequest, path: string) => ({ self: `${publicBase(req)}/v3/${path}` });

/** A list with Keystone's links block (no paging: every list fits in one page here). */
export function list(req: FastifyRequest, key: string, items: unknown[]) {
  return { [key]: items, links: { self: `${publicBase(req)}${req.url}`, previous: null, next: null } };
}

export const domainView = (req: FastifyRequest, d: Domain) => ({
  id: d.id,
  name: d.name,
  description: d.description,
  enabled: d.enabled,
  tags: d.tags,
  options: d.options,
  links: self(req, `domains/${d.id}`),
});

export const projectView = (req: FastifyRequest, p: Project) => ({
  id: p.id,
  name: p.name,
  domain_id: p.domainId,
  description: p.description,
  enabled: p.enabled,
  is_domain: false,
  parent_id: p.parentId ?? p.domainId,
  tags: p.tags,
  options: p.options,
  links: self(req, `projects/${p.id}`),
});

/** A domain seen through /v3/projects: Keystone keeps domains as projects that act as domains. */
export const domainAsProjectView = (req: FastifyRequest, d: Domain) => ({
  id: d.id,
  name: d.name,
  domain_id: null,
  description: d.description,
  enabled: d.enabled,
  is_domain: true,
  parent_id: null,
  tags: d.tags,
  options: d.options,
  links: self(req, `projects/${d.id}`),
});

export const userView = (req: FastifyRequest, u: User) => ({
  ...u.extra,
  id: u.id,
  name: u.name,
  domain_id: u.domainId,
  enabled: u.enabled,
  ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
  ...(u.email ? { email: u.email } : {}),
  ...(u.description ? { description: u.description } : {}),
  options: u.options,
  password_expires_at: null,
  links: self(req, `users/${u.id}`),
});

export const groupView = (req: FastifyRequest, g: Group) => ({
  id: g.id,
  name: g.name,
  domain_id: g.domainId,
  description: g.description,
  links: self(req, `groups/${g.id}`),
});

export const roleView = (req: FastifyRequest, r: Role) => ({
  id: r.id,
  name: r.name,
  domain_id: r.domainId,
  description: r.description,
  options: r.options,
  links: self(req, `roles/${r.id}`),
});

export const regionView = (req: FastifyRequest, r: Region) => ({
  id: r.id,
  description: r.description,
  parent_region_id: r.parentRegionId,
  links: self(req, `regions/${r.id}`),
});

export const serviceView = (req: FastifyRequest, s: CatalogService) => ({
  id: s.id,
  type: s.type,
  name: s.name,
  description: s.description,
  enabled: s.enabled,
  links: self(req, `services/${s.id}`),
});

export const endpointView = (req: FastifyRequest, e: Endpoint) => ({
  id: e.id,
  service_id: e.serviceId,
  interface: e.interface,
  region: e.regionId,
  region_id: e.regionId,
  url: e.url,
  enabled: e.enabled,
  links: self(req, `endpoints/${e.id}`),
});

export const appCredView = (req: FastifyRequest, c: AppCredential, roles: Role[]) => ({
  id: c.id,
  name: c.name,
  description: c.description,
  user_id: c.userId,
  project_id: c.projectId,
  roles: roles.map((r) => ({ id: r.id, name: r.name, domain_id: r.domainId })),
  expires_at: c.expiresAt === null ? null : (c.expiresText ?? isoTime(c.expiresAt)),
  unrestricted: c.unrestricted,
  access_rules: [],
  links: self(req, `users/${c.userId}/application_credentials/${c.id}`),
});
