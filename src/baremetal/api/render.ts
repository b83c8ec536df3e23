// Ironic's error body: {"error_message": "<JSON string>"} whose string holds faultstring/faultcode/debuginfo;
// ironicclient parses it twice. Every response, errors included, carries the microversion headers.
import type { FastifyRequest } from 'fastify';
import type { AppError } from '../../platform/errors/catalogue.ts';
import type { RenderedError } from '../../platform/http/server.ts';
import { MAX_VERSION, MIN_VERSION, parseVersion, versionString } from '../model/microversion.ts';

/** The microversion in effect for a request (1.1 when absent or unreadable). */
export function requestMinor(req: FastifyRequest): number {
  if (req.ironicMinor !== undefined) return req.ironicMinor;
  const p = parseVersion(header(req, 'x-openstack-ironic-api-version'), header(req, 'openstack-api-version'));
  return p.ok ? p.minor : MIN_VERSION;
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function versionHeaders(req: FastifyRequest): Record<string, string> {
  return {
    'x-openstack-ironic-api-minimum-version': versionString(MIN_VERSION),
    'x-openstack-ironic-api-maximum-version': versionString(MAX_VERSION),
    'x-openstack-ironic-api-version': versionString(requestMinor(req)),
  };
}

export function renderIronicError(err: AppError, req: FastifyRequest): RenderedError {
  const faultcode = err.status >= 500 ? 'Server' : 'Client';
  const inner = JSON.stringify({ faultstring: err.message, faultcode, debuginfo: null });
  return { body: { error_message: inner }, headers: versionHeaders(req) };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Ironic microversion in effect (1.N as N), set once the request's headers were checked. */
    ironicMinor?: number;
  }
}
