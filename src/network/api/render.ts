// Neutron's error body: {"NeutronError": {"type", "message", "detail"}}; the clients print type and message.
import type { AppError } from '../../platform/errors/catalogue.ts';
import type { RenderedError } from '../../platform/http/server.ts';

const DEFAULT_TYPES: Record<number, string> = {
  400: 'BadRequest',
  401: 'NotAuthorized',
  403: 'PolicyNotAuthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

export function renderNeutronError(err: AppError): RenderedError {
  const type = err.type ?? DEFAULT_TYPES[err.status] ?? 'NeutronException';
  return { body: { NeutronError: { type, message: err.message, detail: '' } } };
}
