// Heat's error body (heat/api/middleware/fault.py): code, title, explanation, and error.{type,message,
// traceback}; heatclient prints error.message. Template errors become 400s with their Heat type.
import type { FastifyInstance } from 'fastify';
import { AppError, statusTitle } from '../../platform/errors/catalogue.ts';
import type { ErrorRenderer } from '../../platform/http/server.ts';
import { TemplateError } from '../model/errors.ts';

const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  401: 'This server could not verify that you are authorized to access the document you requested.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request is larger than the server is willing or able to process.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

const DEFAULT_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'Forbidden',
  404: 'EntityNotFound',
  409: 'HTTPConflict',
  413: 'RequestLimitExceeded',
  500: 'HTTPInternalServerError',
};

export const renderHeatError: ErrorRenderer = (err: AppError) => ({
  body: {
    code: err.status,
    title: statusTitle(err.status),
    explanation: EXPLANATIONS[err.status] ?? statusTitle(err.status),
    error: { type: err.type ?? DEFAULT_TYPES[err.status] ?? 'Error', message: err.message, traceback: null },
  },
});

/** Template/parameter errors raised by the model become 400s carrying Heat's exception name. */
export function toHeatError(e: unknown): unknown {
  if (e instanceof TemplateError) return new AppError('BAD_REQUEST', e.message, { type: e.type });
  return e;
}

export async function heat<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toHeatError(e);
  }
}

/** Heat answers `Content-Type: application/json` with no charset (heat-tempest-plugin checks it exactly). */
export function plainJsonContentType(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8')
      reply.header('content-type', 'application/json');
    return payload;
  });
}
