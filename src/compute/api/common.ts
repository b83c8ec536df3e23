// What every compute route shares: the caller, the negotiated microversion, policy, request bodies,
// paging parameters and links.
import type { FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../../platform/errors/catalogue.ts';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { allowed, type Target } from '../../platform/policy/policy.ts';
import { atLeast, MIN_VERSION, type Version } from '../model/microversion.ts';
import { COMPUTE_POLICY } from './policy.ts';

declare module 'fastify' {
  interface FastifyRequest {
    microversion?: Version;
  }
}

export function auth(req: FastifyRequest): AuthContext {
  return req.auth!;
}

export function version(req: FastifyRequest): Version {
  return req.microversion ?? MIN_VERSION;
}

export const since = (req: FastifyRequest, minor: number) => atLeast(version(req), minor);

export function can(req: FastifyRequest, action: string, target: Target = {}): boolean {
  return allowed(COMPUTE_POLICY, action, auth(req), target);
}

export function enforce(req: FastifyRequest, action: string, target: Target = {}): void {
  if (!can(req, action, target))
    throw forbidden(`Policy doesn't allow os_compute_api:${action} to be performed.`);
}

/** The `{"<key>": {...}}` object of a request body, or Nova's 400. */
export function bodyOf(req: FastifyRequest, key: string): Record<string, unknown> {
  const body = req.body as Record<string, unknown> | undefined;
  const inner = body?.[key];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    throw badRequest(`Invalid input for field/attribute ${key}. '${key}' is a required property`);
  return inner as Record<string, unknown>;
}

export function query(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return req.query as Record<string, string | string[] | undefined>;
}

/** The last value of a query parameter (clients may repeat one after a redirect). */
export function param(req: FastifyRequest, name: string): string | undefined {
  const v = query(req)[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function intParam(req: FastifyRequest, name: string, min: number): number | undefined {
  const v = param(req, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min)
    throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. must be an integer ≥ ${min}`);
  return Number(v);
}

/** http://host:port/v2.1 as the caller reached us (links are built from it). */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

export function links(req: FastifyRequest, collection: string, id: string) {
  const base = baseUrl(req);
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${encodeURIComponent(id)}` },
    { rel: 'bookmark', href: `${base}/${collection}/${encodeURIComponent(id)}` },
  ];
}

/** Nova's `<collection>_links` next link, present only when a page came back full. */
export function nextLink(
  req: FastifyRequest,
  count: number,
  limit: number | undefined,
  marker: string | undefined,
): { rel: string; href: string }[] | undefined {
  if (limit === undefined || count < limit || marker === undefined) return undefined;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query(req))) {
    if (k === 'marker' || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  }
  qs.append('marker', marker);
  const path = req.url.split('?')[0];
  return [{ rel: 'next', href: `${baseUrl(req)}${path}?${qs.toString()}` }];
}
