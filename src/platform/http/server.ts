// One Fastify instance per service: its own port, request ids, trailing-slash stripping, JSON body limits,
// authentication by token, and every error rendered in the service's own OpenStack format.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { AppError, isAppError, unauthorized } from '../errors/catalogue.ts';
import type { Logger } from '../log/logger.ts';
import type { AuthContext, TokenValidator } from '../policy/auth-context.ts';
import { acceptEmptyJsonBodies } from './json-body.ts';

export interface RenderedError {
  body: unknown;
  headers?: Record<string, string>;
}

/** Turns an AppError into the service's OpenStack error body. */
export type ErrorRenderer = (err: AppError, req: FastifyRequest) => RenderedError;

export interface ServiceAppOptions {
  name: string;
  log: Logger;
  render: ErrorRenderer;
  /** Validates X-Auth-Token; routes opt out with `config: { public: true }`. */
  tokens?: TokenValidator;
  bodyLimit?: number;
  /** Maps a request URL before routing. */
  rewriteUrl?: (url: string) => string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
  interface FastifyContextConfig {
    /** No token needed (discovery documents, token issue). */
    public?: boolean;
  }
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024; // 1 MiB of JSON; image data has its own streaming parser

export function createServiceApp(opts: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log.child({ service: opts.name }) as FastifyBaseLogger,
    // One line per request comes from our onResponse hook; Fastify's own two lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    genReqId: () => `req-${randomUUID()}`,
    return503OnClosing: true,
    rewriteUrl: (req: IncomingMessage) =>
      opts.rewriteUrl ? opts.rewriteUrl(req.url ?? '/') : (req.url ?? '/'),
  });

  acceptEmptyJsonBodies(app);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
    if (req.routeOptions.config?.public || !opts.tokens) return;
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw unauthorized();
    req.auth = await opts.tokens.validate(token);
  });

  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError, req, reply) =>
    sendError(opts.render, toAppError(error, req), req, reply),
  );
  app.setNotFoundHandler((req, reply) =>
    sendError(opts.render, new AppError('NOT_FOUND', `The resource could not be found.`), req, reply),
  );
  return app;
}

function sendError(render: ErrorRenderer, err: AppError, req: FastifyRequest, reply: FastifyReply) {
  if (err.status >= 500) req.log.error({ err, code: err.code }, 'request failed');
  const rendered = render(err, req);
  return reply
    .code(err.status)
    .headers({ ...err.headers, ...(rendered.headers ?? {}) })
    .type('application/json')
    .send(JSON.stringify(rendered.body));
}

/** Maps Fastify's own errors (bad JSON, body too large, wrong media type) into the catalogue. */
export function toAppError(error: unknown, req?: FastifyRequest): AppError {
  if (isAppError(error)) return error;
  const e = error as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('BAD_REQUEST', `Malformed JSON in request body: ${e.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'Request Entity Too Large: the request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Unsupported media type: ${req?.headers['content-type'] ?? ''}`,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('BAD_REQUEST', 'Invalid Content-Length.');
  }
  if (e.validation) return new AppError('BAD_REQUEST', `Invalid input: ${e.message}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('BAD_REQUEST', e.message);
  }
  return new AppError('INTERNAL', 'An unexpected error prevented the server from fulfilling your request.', {
    cause: error,
  });
}
