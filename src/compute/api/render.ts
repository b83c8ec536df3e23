// Nova's error body: one key naming the fault, {"itemNotFound": {"code": 404, "message": "..."}}.
// The key follows Nova's fault table by status; an AppError's `type` may name it instead (e.g. overLimit).
import type { AppError } from '../../platform/errors/catalogue.ts';
import type { RenderedError } from '../../platform/http/server.ts';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function renderNovaError(err: AppError): RenderedError {
  const key = err.type ?? FAULT_NAMES[err.status] ?? 'computeFault';
  return { body: { [key]: { code: err.status, message: err.message } } };
}
