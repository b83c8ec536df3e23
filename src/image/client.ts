// The image service's typed client over Glance's REST API: what `ooo image load` uses, and what the
// bare-metal conductor will use to stream image data to machines. Data goes through node:http streams,
// never whole into memory.

import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../platform/context.ts';
import { fixedToken, type TokenSource } from '../platform/service-auth.ts';

/** An image as the API returns it: base properties plus flat user properties. */
export interface ImageDoc {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  checksum: string | null;
  os_hash_value: string | null;
  size: number | null;
  disk_format: string | null;
  container_format: string | null;
  protected: boolean;
  [property: string]: unknown;
}

export class ImageApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ImageApiError';
    this.status = status;
  }
}

export interface ImageDownload {
  stream: IncomingMessage;
  size: number;
  /** Content-MD5: what the whole body must hash to (absent for a range). */
  md5: string | undefined;
}

export class ImageClient {
  readonly #endpoint: string;
  readonly #token: TokenSource;
  readonly #serviceToken: TokenSource | undefined;

  /**
   * `endpoint` is the catalog URL of the image service (e.g. http://host:9292). `token` is who acts: a
   * user's token, or a calling service's own token source. `serviceToken`, when a service acts on a user's
   * behalf, is that service's token, sent as X-Service-Token.
   */
  constructor(endpoint: string, token: string | TokenSource, serviceToken?: TokenSource) {
    this.#endpoint = endpoint.replace(/\/+$/, '');
    this.#token = typeof token === 'string' ? fixedToken(token) : token;
    this.#serviceToken = serviceToken;
  }

  async create(ctx: Ctx, fields: Record<string, unknown>): Promise<ImageDoc> {
    return (await this.#json(ctx, 'POST', '/v2/images', fields)) as ImageDoc;
  }

  async get(ctx: Ctx, id: string): Promise<ImageDoc | undefined> {
    try {
      return (await this.#json(ctx, 'GET', `/v2/images/${encodeURIComponent(id)}`)) as ImageDoc;
    } catch (e) {
      if (e instanceof ImageApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Every image matching the query, following `next` links. */
  async list(ctx: Ctx, query: Record<string, string> = {}): Promise<ImageDoc[]> {
    const out: ImageDoc[] = [];
    let path: string | undefined = `/v2/images?${new URLSearchParams({ limit: '1000', ...query })}`;
    while (path) {
      const page = (await this.#json(ctx, 'GET', path)) as { images: ImageDoc[]; next?: string };
      out.push(...page.images);
      path = page.next;
    }
    return out;
  }

  async update(
    ctx: Ctx,
    id: string,
    ops: { op: string; path: string; value?: unknown }[],
  ): Promise<ImageDoc> {
    return (await this.#json(
      ctx,
      'PATCH',
      `/v2/images/${id}`,
      ops,
      'application/openstack-images-v2.1-json-patch',
    )) as ImageDoc;
  }

  async delete(ctx: Ctx, id: string): Promise<void> {
    await this.#json(ctx, 'DELETE', `/v2/images/${id}`);
  }

  /** Streams data into a queued image; `size` (when known) is sent as Content-Length. */
  async upload(ctx: Ctx, id: string, data: Readable, size?: number): Promise<void> {
    const res = await this.#send(
      ctx,
      'PUT',
      `/v2/images/${id}/file`,
      {
        'content-type': 'application/octet-stream',
        ...(size === undefined ? {} : { 'content-length': String(size) }),
      },
      data,
    );
    await expectOk(res);
  }

  /** Opens the image data (optionally a byte range); the caller consumes or destroys the stream. */
  async download(ctx: Ctx, id: string, range?: { start: number; end?: number }): Promise<ImageDownload> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const res = await this.#send(ctx, 'GET', `/v2/images/${id}/file`, headers);
    if (res.statusCode !== 200 && res.statusCode !== 206) await expectOk(res);
    return {
      stream: res,
      size: Number(res.headers['content-length'] ?? 0),
      md5: res.headers['content-md5'] as string | undefined,
    };
  }

  /**
   * Streams the whole image into `dest` and checks it against Content-MD5 (or the image checksum), as
   * openstacksdk does; rejects on a mismatch, after which the caller must discard what `dest` received.
   */
  async save(ctx: Ctx, id: string, dest: Writable): Promise<{ bytes: number; md5: string }> {
    const { stream, md5: expected } = await this.download(ctx, id);
    const want = expected ?? ((await this.get(ctx, id))?.checksum as string | null | undefined) ?? undefined;
    const hash = createHash('md5');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    await pipeline(stream, meter, dest, { signal: ctx.signal });
    const md5 = hash.digest('hex');
    if (want && md5 !== want) throw new Error(`image ${id}: received data has md5 ${md5}, expected ${want}`);
    return { bytes, md5 };
  }

  async #json(
    ctx: Ctx,
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await this.#send(
      ctx,
      method,
      path,
      payload ? { 'content-type': type, 'content-length': String(payload.length) } : {},
      payload,
    );
    const text = await expectOk(res);
    return text === '' ? undefined : JSON.parse(text);
  }

  async #send(
    ctx: Ctx,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Readable | Buffer,
  ): Promise<IncomingMessage> {
    const url = new URL(this.#endpoint + path);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const auth: Record<string, string> = { 'x-auth-token': await this.#token.token(ctx) };
    if (this.#serviceToken) auth['x-service-token'] = await this.#serviceToken.token(ctx);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, {
        method,
        headers: { accept: 'application/json', ...auth, ...headers },
        signal: ctx.signal,
      });
      req.on('response', resolve);
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      // A server that answers early (an error) ends the upload; the response still arrives above.
      else pipeline(body, req).catch((e: unknown) => req.destroy(e as Error));
    });
    // A refused token is forgotten, so a service's next call logs in again.
    if (res.statusCode === 401) {
      this.#token.invalidate(auth['x-auth-token']!);
      if (auth['x-service-token']) this.#serviceToken?.invalidate(auth['x-service-token']);
    }
    return res;
  }
}

/** Reads the body; throws ImageApiError with Glance's message for any status from 400 up. */
async function expectOk(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = res.statusCode ?? 0;
  if (status >= 400) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new ImageApiError(status, `${status}: ${message}`);
  }
  return text;
}

/** What the image service offers other services, in-process or over HTTP alike: an ImageClient acting as
 * a user (their token) or as the calling service itself (its service token source, ServiceDeps.serviceAuth),
 * optionally with the caller's service token as X-Service-Token. */
export interface ImageServiceClient {
  connect(token: string | TokenSource, opts?: { serviceToken?: TokenSource }): ImageClient;
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    image: ImageServiceClient;
  }
}

/** An ImageServiceClient for the image service at `url` (read when a client is made: a process knows its
 * own URL only once it listens). */
export function imageServiceClient(url: () => string): ImageServiceClient {
  return { connect: (token, opts) => new ImageClient(url(), token, opts?.serviceToken) };
}
