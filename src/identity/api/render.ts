// Keystone's error format: {"error":{"code":N,"title":"...","message":"..."}}, and on a 401 the
// WWW-Authenticate header keystoneauth reads to know where to authenticate.
import type { FastifyRequest } from 'fastify';
import { type AppError, statusTitle } from '../../platform/errors/catalogue.ts';
import type { RenderedError } from '../../platform/http/server.ts';

export function renderKeystoneError(err: AppError, req: FastifyRequest): RenderedError {
  const body = { error: { code: err.status, title: statusTitle(err.status), message: err.message } };
  if (err.status !== 401) return { body };
  return { body, headers: { 'www-authenticate': `Keystone uri="${publicBase(req)}"` } };
}

/** The URL this service is reached at, as the caller sees it. */
export function publicBase(req: FastifyRequest): string {
  const host = req.headers.host ?? `${req.hostname}`;
  return `${req.protocol}://${host}`;
}
