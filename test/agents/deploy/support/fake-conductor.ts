// A stand-in for the bare metal API's ramdisk endpoints (GET /, /v1/lookup, /v1/heartbeat, the inspection
// callback) and an image server, on 127.0.0.1 port 0, recording what the agent sent.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Heartbeat {
  node: string;
  version: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeConductor {
  url: string;
  nodeUuid: string;
  token: string;
  lookups: Array<{ query: URLSearchParams; version: string | undefined }>;
  heartbeats: Heartbeat[];
  inspections: unknown[];
  images: Map<string, Uint8Array>;
  /** Images are served only with this X-Auth-Token. */
  imageToken: string;
  /** The image names asked for, one per GET. */
  imageGets: string[];
  /** Image name → how many of its next downloads break off halfway (the connection destroyed). */
  cuts: Map<string, number>;
  /** Boot files served without a token at /boot/<name> (an iPXE script, a kernel, a ramdisk). */
  files: Map<string, Uint8Array | string>;
  /** Resolves with the n-th heartbeat (1-based). */
  heartbeat(n: number): Promise<Heartbeat>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeConductor(opts: {
  macs: string[];
  heartbeatTimeout: number;
}): Promise<FakeConductor> {
  const f: FakeConductor = {
    url: '',
    nodeUuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123',
    token: randomBytes(32).toString('base64url'),
    lookups: [],
    heartbeats: [],
    inspections: [],
    images: new Map(),
    imageToken: randomBytes(16).toString('hex'),
    imageGets: [],
    cuts: new Map(),
    files: new Map(),
    heartbeat: () => Promise.reject(new Error('replaced below')),
    close: () => Promise.resolve(),
  };
  const waiters: Array<{ n: number; done: (h: Heartbeat) => void }> = [];
  let tokenGiven = false;
  const json = (res: import('node:http').ServerResponse, status: number, b: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(b === undefined ? '' : JSON.stringify(b));
  };
  const server: Server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const version = req.headers['x-openstack-ironic-api-version'] as string | undefined;
    if (req.method === 'GET' && u.pathname === '/')
      return json(res, 200, { default_version: { version: '1.99', min_version: '1.1' } });
    if (req.method === 'GET' && u.pathname === '/v1/lookup') {
      f.lookups.push({ query: u.searchParams, version });
      const addrs = (u.searchParams.get('addresses') ?? '').split(',');
      if (!addrs.some((a) => opts.macs.includes(a)))
        return json(res, 404, { error_message: 'Node not found' });
      const token = tokenGiven ? '******' : f.token;
      tokenGiven = true;
      return json(res, 200, {
        node: { uuid: f.nodeUuid, properties: {}, instance_info: {}, driver_internal_info: {} },
        config: { heartbeat_timeout: opts.heartbeatTimeout, agent_token: token, agent_token_required: true },
      });
    }
    const hb = /^\/v1\/heartbeat\/([^/]+)$/.exec(u.pathname);
    if (req.method === 'POST' && hb) {
      const b = JSON.parse(await body(req)) as Record<string, unknown>;
      if (b['agent_token'] !== f.token)
        return json(res, 400, { error_message: 'Invalid or missing agent token received.' });
      const h = { node: decodeURIComponent(hb[1]!), version, body: b };
      f.heartbeats.push(h);
      for (const w of waiters.splice(0)) {
        if (f.heartbeats.length >= w.n) w.done(f.heartbeats[w.n - 1]!);
        else waiters.push(w);
      }
      return json(res, 202, undefined);
    }
    if (req.method === 'POST' && u.pathname === '/v1/continue_inspection') {
      f.inspections.push(JSON.parse(await body(req)));
      return json(res, 202, { uuid: f.nodeUuid });
    }
    const boot = /^\/boot\/(.+)$/.exec(u.pathname);
    const file = req.method === 'GET' && boot ? f.files.get(boot[1]!) : undefined;
    if (file !== undefined) {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': Buffer.byteLength(file),
      });
      return res.end(file);
    }
    const img = /^\/images\/([^/]+)$/.exec(u.pathname);
    if (req.method === 'GET' && img) {
      f.imageGets.push(img[1]!);
      if (req.headers['x-auth-token'] !== f.imageToken) return json(res, 401, { error: 'unauthorized' });
      const data = f.images.get(img[1]!);
      if (!data) return json(res, 404, { error: 'no such image' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      const cuts = f.cuts.get(img[1]!) ?? 0;
      if (cuts > 0) {
        f.cuts.set(img[1]!, cuts - 1);
        // half the body, flushed, then the connection goes: what the agent sees as "aborted"
        const half = data.subarray(0, Math.floor(data.length / 2));
        return res.write(half, () => res.socket?.destroy());
      }
      // in pieces, as a real server streams it
      for (let o = 0; o < data.length; o += 100_000) res.write(data.subarray(o, o + 100_000));
      return res.end();
    }
    return json(res, 404, { error_message: `no route ${req.method} ${u.pathname}` });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f.heartbeat = (n) =>
    new Promise((done) => {
      if (f.heartbeats.length >= n) done(f.heartbeats[n - 1]!);
      else waiters.push({ n, done });
    });
  f.close = () =>
    new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return f;
}
