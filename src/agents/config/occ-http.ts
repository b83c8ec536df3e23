// The few HTTP calls the collectors make (what python-requests did for the original): GET, HEAD
// and POST with a timeout, redirects followed, and an error for 4xx/5xx like raise_for_status().

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export type Response = { status: number; headers: http.IncomingHttpHeaders; text: string; url: string };

export class HttpError extends Error {}

export type RequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutSeconds?: number;
  caFile?: string;
  checkStatus?: boolean;
  redirect?: boolean;
};

export function request(url: string, opts: RequestOptions = {}, redirects = 0): Promise<Response> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new HttpError(`Invalid URL '${url}'`));
      return;
    }
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ...(opts.caFile ? { ca: readFileSync(opts.caFile) } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new HttpError(e.message)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          const method = opts.method ?? 'GET';
          const follow = opts.redirect !== false && method === 'GET' && redirects < 30;
          if (location && [301, 302, 303, 307, 308].includes(status) && follow) {
            resolve(request(new URL(location, u).toString(), opts, redirects + 1));
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          if (opts.checkStatus !== false && status >= 400) {
            const kind = status < 500 ? 'Client Error' : 'Server Error';
            reject(new HttpError(`${status} ${kind}: ${res.statusMessage ?? ''} for url: ${url}`));
            return;
          }
          resolve({ status, headers: res.headers, text, url });
        });
      },
    );
    const seconds = opts.timeoutSeconds ?? 10;
    req.setTimeout(seconds * 1000, () =>
      req.destroy(new HttpError(`Read timed out. (read timeout=${seconds})`)),
    );
    req.on('error', (e) =>
      reject(e instanceof HttpError ? e : new HttpError(`Connection error: ${e.message}`)),
    );
    req.end(opts.body);
  });
}
