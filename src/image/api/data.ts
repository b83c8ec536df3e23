// Image data: direct upload (PUT file), download with Range, and the interoperable import flow (PUT stage,
// then POST import with glance-direct). The body is never buffered: it streams into the store.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { childCtx } from '../../platform/context.ts';
import { AppError, isAppError } from '../../platform/errors/catalogue.ts';
import { isAdmin } from '../../platform/policy/policy.ts';
import { enforceImage } from '../model/access.ts';
import type { Image } from '../model/image.ts';
import { virtualSize } from '../model/qcow2.ts';
import { parseRange } from '../model/range.ts';
import { moveFor } from '../model/status.ts';
import type { Received } from '../store/data.ts';
import { authOf, type ImageApiDeps, loadVisible, moveStatus } from './deps.ts';

type IdParams = { Params: { id: string } };
const OCTET = 'application/octet-stream';

export function registerData(app: FastifyInstance, deps: ImageApiDeps): void {
  // Hand the raw request stream to the route: the body may be many GiB.
  app.addContentTypeParser(OCTET, (_req, payload, done) => done(null, payload));

  app.put<IdParams>('/v2/images/:id/file', async (req, reply) => {
    await closingOnError(async () => {
      const auth = authOf(req);
      requireOctetStream(req);
      const { image } = await loadVisible(deps, auth, req.params.id);
      enforceImage('upload_image', auth, image.owner);
      if (!image.disk_format || !image.container_format)
        throw new AppError(
          'BAD_REQUEST',
          'Properties disk_format, container_format must be set prior to saving data.',
        );
      const received = await receive(deps, req, image, 'saving');
      const facts = { ...withoutHead(received), virtual_size: virtualSizeOf(image, received) };
      if (!(await moveStatus(deps, image.id, 'upload_done', 'upload complete', facts))) {
        await deps.data.remove(image.id);
        throw gone(image.id);
      }
    });
    return reply.code(204).send();
  });

  app.get<IdParams>('/v2/images/:id/file', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id, true);
    if (image.status === 'deactivated' && !isAdmin(auth))
      throw new AppError(
        'FORBIDDEN',
        'The requested image has been deactivated. Image data download is forbidden.',
      );
    if (image.status !== 'active' && image.status !== 'deactivated') return reply.code(204).send();
    const size = image.size ?? 0;
    const range = parseRange(req.headers.range, size);
    reply.header('content-type', OCTET).header('accept-ranges', 'bytes');
    if (range) {
      reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1);
    } else {
      // Content-MD5 describes the whole body, so only a full response carries it; the SDK checks it.
      reply.header('content-length', size);
      if (image.checksum) reply.header('content-md5', image.checksum);
    }
    return reply.send(deps.data.read(image.id, range));
  });

  app.put<IdParams>('/v2/images/:id/stage', async (req, reply) => {
    await closingOnError(async () => {
      const auth = authOf(req);
      requireOctetStream(req);
      const { image } = await loadVisible(deps, auth, req.params.id);
      enforceImage('modify_image', auth, image.owner);
      const received = await receive(deps, req, image, 'uploading');
      if (!(await deps.images.move(image.id, ['uploading'], 'uploading', { size: received.size }))) {
        await deps.data.unstage(image.id);
        throw gone(image.id);
      }
    });
    return reply.code(204).send();
  });

  app.post<IdParams>('/v2/images/:id/import', async (req, reply) => {
    const auth = authOf(req);
    const { image } = await loadVisible(deps, auth, req.params.id);
    enforceImage('modify_image', auth, image.owner);
    const method = (req.body as { method?: { name?: unknown } } | null)?.method?.name;
    if (method !== 'glance-direct')
      throw new AppError('BAD_REQUEST', `Import method ${String(method)} is not supported.`);
    if (!image.disk_format || !image.container_format)
      throw new AppError('CONFLICT', "'disk_format' and 'container_format' must be set before import");
    const staged = image.status === 'uploading' ? await deps.data.stagedFacts(image.id) : undefined;
    if (!staged)
      throw new AppError('CONFLICT', "Image needs to be staged before 'glance-direct' method can be used");
    if (!(await moveStatus(deps, image.id, 'import', 'import started')))
      throw new AppError('CONFLICT', "Image needs to be staged before 'glance-direct' method can be used");
    const facts = { ...withoutHead(staged), virtual_size: virtualSizeOf(image, staged) };
    try {
      await deps.data.promote(image.id);
    } catch (e) {
      await deps.data.unstage(image.id);
      await moveStatus(deps, image.id, 'import_failed', 'import failed');
      throw e;
    }
    if (!(await moveStatus(deps, image.id, 'import_done', 'import complete', facts))) {
      await deps.data.remove(image.id);
      throw gone(image.id);
    }
    return reply.code(202).send();
  });
}

/**
 * Streams the request body into the store (to: 'saving') or staging (to: 'uploading'). The image leaves
 * `queued` only here, by a conditional update, and returns to it if anything goes wrong, with no data kept.
 */
async function receive(deps: ImageApiDeps, req: FastifyRequest, image: Image, to: 'saving' | 'uploading') {
  const { limit, onLimit } = await limitsFor(deps, image);
  const expected = contentLength(req);
  const [start, failed] =
    to === 'saving' ? (['upload', 'upload_failed'] as const) : (['stage', 'stage_failed'] as const);
  moveFor(image.status, start);
  if (expected !== undefined && expected > limit) throw onLimit(expected);
  if (!(await moveStatus(deps, image.id, start, `${start} started`))) {
    const now = await deps.images.get(image.id);
    throw new AppError(
      'CONFLICT',
      `Image status transition from ${now?.status ?? 'deleted'} to ${to} is not allowed`,
    );
  }
  const ctx = childCtx(deps.ctx, { image: image.id });
  const body = (req.body as Readable | undefined) ?? Readable.from([]);
  let received: Received;
  try {
    received = await deps.data.receive(ctx, image.id, body, { limit, onLimit, expected }, to === 'uploading');
  } catch (e) {
    await moveStatus(deps, image.id, failed, `${start} failed`);
    if (isAppError(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted') {
      ctx.log.info({ received: err.message }, 'client went away during the upload; image back to queued');
      throw new AppError('BAD_REQUEST', 'The client disconnected before sending all of the image data.');
    }
    throw e;
  }
  return received;
}

async function limitsFor(deps: ImageApiDeps, image: Image) {
  const { sizeCap, projectQuota } = deps.limits;
  let remaining = Number.POSITIVE_INFINITY;
  if (projectQuota > 0 && image.owner)
    remaining = projectQuota - (await deps.images.usage(image.owner, image.id));
  return {
    limit: Math.max(0, Math.min(sizeCap, remaining)),
    onLimit: (received: number) =>
      received > sizeCap
        ? new AppError(
            'PAYLOAD_TOO_LARGE',
            'The incoming image is too large: The provided image is too large.',
          )
        : new AppError(
            'PAYLOAD_TOO_LARGE',
            `Image exceeds the storage quota: The size of the data ${received} will exceed the limit. ` +
              `${Math.max(0, remaining)} bytes remaining.`,
          ),
  };
}

function contentLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v);
}

function requireOctetStream(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? OCTET).split(';')[0]?.trim().toLowerCase();
  if (type !== OCTET)
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${OCTET}, not ${type}.`);
}

function virtualSizeOf(image: Image, r: Received): number | null {
  return virtualSize(image.disk_format, Buffer.from(r.head, 'hex'), r.size);
}

function withoutHead(r: Received) {
  const { head: _head, ...facts } = r;
  return facts;
}

function gone(id: string): AppError {
  return new AppError(
    'GONE',
    `Image ${id} could not be found after upload. The image may have been deleted during the upload.`,
  );
}

/** An error before the body was read must not leave Node draining gigabytes: close the connection. */
async function closingOnError(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const err = isAppError(e)
      ? e
      : new AppError('INTERNAL', 'Failed to upload image data due to internal error', { cause: e });
    throw new AppError(err.code, err.message, {
      headers: { ...err.headers, connection: 'close' },
      details: err.details,
      cause: err.cause,
      ...(err.type ? { type: err.type } : {}),
    });
  }
}
