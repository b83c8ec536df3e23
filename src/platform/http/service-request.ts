// One JSON request from a service's HTTP client to another OpenStack service: the token and JSON headers,
// the caller's cancellation, and a service that does not answer as UNAVAILABLE. Each client keeps what
// differs between services: its microversion header, its retry rules and how it reads its error bodies.
import type { Ctx } from '../context.ts';
import { AppError, catalogue, type ErrorCode } from '../errors/catalogue.ts';

export interface ServiceRequest {
  /** Names the service in the UNAVAILABLE message ("the network service at … does not answer"). */
  service: string;
  method: string;
  /** The whole URL. */
  url: string;
  token: string;
  body?: unknown;
  /** Extra headers, such as a microversion. */
  headers?: Record<string, string>;
}

export async function sendServiceRequest(ctx: Ctx, r: ServiceRequest): Promise<Response> {
  try {
    return await fetch(r.url, {
      method: r.method,
      headers: {
        accept: 'application/json',
        'x-auth-token': r.token,
        ...r.headers,
        ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: ctx.signal,
    });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const where = new URL(r.url).origin;
    throw new AppError('UNAVAILABLE', `The ${r.service} service at ${where} does not answer.`, { cause: e });
  }
}

const CODES = new Map<number, ErrorCode>(
  Object.entries(catalogue).map(([code, status]) => [status, code as ErrorCode]),
);

/** The error code of an HTTP status another service answered, for re-raising its error here. */
export function errorCodeOfStatus(status: number): ErrorCode {
  return CODES.get(status) ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}
