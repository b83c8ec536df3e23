// A small HTTP(S) client on node:http: Debian's Node 18 implements fetch with undici loaded from
// /usr/share/nodejs, which the ramdisk would have to carry and load (seconds under TCG) for five calls.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives. */
  stream: IncomingMessage;
  text(): Promise<string>;
  json(): Promise<unknown>;
  discard(): void;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Redirects followed for GET (default 5). */
  maxRedirects?: number;
}

export function request(url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(new Error(`not an http(s) URL: ${url}`));
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((ok, fail) => {
    const req = send(
      u,
      { method: opts.method ?? 'GET', headers, ...(opts.signal ? { signal: opts.signal } : {}) },
      (res) => {
        const status = res.statusCode ?? 0;
        const left = opts.maxRedirects ?? 5;
        if (
          [301, 302, 303, 307, 308].includes(status) &&
          res.headers.location &&
          (opts.method ?? 'GET') === 'GET'
        ) {
          res.resume();
          if (left <= 0) return fail(new Error(`too many redirects from ${url}`));
          return request(new URL(res.headers.location, u).toString(), {
            ...opts,
            maxRedirects: left - 1,
          }).then(ok, fail);
        }
        const text = async () => {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        };
        ok({
          status,
          headers: res.headers,
          stream: res,
          text,
          json: async () => JSON.parse(await text()),
          discard: () => void res.resume(),
        });
      },
    );
    req.on('error', fail);
    req.end(opts.body);
  });
}
