// Where an image's bytes come from: the first of its URLs that answers 200 (with the headers and token the
// conductor gave), the digest to check them against (given, or read from a checksum file), and the body as it
// arrives, with a break-off turned into an ImageStreamError so the download is tried again.
import type { AgentCtx } from './ctx.ts';
import { ImageDownloadError, ImageStreamError } from './download-retry.ts';
import { request } from './http-client.ts';
import { digestFromChecksumFile, expectedDigest, type ImageInfo, InvalidParams } from './image-info.ts';

function requestHeaders(i: ImageInfo): Record<string, string> {
  const h: Record<string, string> = { ...(i.image_request_headers ?? {}) };
  if (i.image_request_authorization) h['Authorization'] = i.image_request_authorization;
  return h;
}

/** The digest the image must have: given in the image info, or read from its checksum file's line for `url`. */
export async function resolveDigest(
  ctx: AgentCtx,
  i: ImageInfo,
  url: string,
): Promise<{ algo: string; value: string }> {
  const d = expectedDigest(i);
  if ('algo' in d) return d;
  const r = await request(d.url, { headers: requestHeaders(i), signal: ctx.signal });
  if (r.status !== 200) {
    r.discard();
    throw new ImageDownloadError(`checksum file ${d.url} answered HTTP ${r.status}`, r.status >= 500);
  }
  const value = digestFromChecksumFile(await r.text(), url);
  const byLength: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
  const algo = byLength[value.length];
  if (!algo) throw new InvalidParams(`checksum file entry ${value} is not a known digest`);
  return { algo, value };
}

/** Opens the image body from the first URL that answers 200; `length` is its Content-Length if given. */
export async function openImage(
  ctx: AgentCtx,
  i: ImageInfo,
): Promise<{ url: string; body: AsyncIterable<Uint8Array>; length: number | undefined }> {
  const failures: string[] = [];
  let transient = false; // a refused connection or a 5xx may go away; a 4xx will not
  for (const url of i.urls) {
    try {
      const r = await request(url, { headers: requestHeaders(i), signal: ctx.signal });
      if (r.status === 200) {
        const length = Number(r.headers['content-length']);
        return { url, body: r.stream, length: Number.isSafeInteger(length) ? length : undefined };
      }
      failures.push(`${url}: HTTP ${r.status}`);
      if (r.status >= 500) transient = true;
      r.discard();
    } catch (e) {
      failures.push(`${url}: ${(e as Error).message}`);
      transient = true;
    }
  }
  throw new ImageDownloadError(`Image download failed for image ${i.id}: ${failures.join('; ')}`, transient);
}

/** The body as it arrives; a break-off (reset, early close, short of its length) becomes an ImageStreamError. */
export async function* guarded(
  url: string,
  body: AsyncIterable<Uint8Array>,
  length: number | undefined,
): AsyncGenerator<Uint8Array> {
  let n = 0;
  const of = length === undefined ? '' : ` of ${length}`;
  try {
    for await (const c of body) {
      n += c.length;
      yield c;
    }
  } catch (e) {
    throw new ImageStreamError(
      `${url}: the download broke off after ${n}${of} bytes: ${(e as Error).message}`,
    );
  }
  if (length !== undefined && n !== length)
    throw new ImageStreamError(`${url}: the download ended after ${n}${of} bytes`);
}
