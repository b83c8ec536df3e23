// Small metadata services on 127.0.0.1 (port 0) for os-collect-config tests: an EC2 metadata tree,
// Heat's CFN API (checking the EC2 v2 signature, answering XML), a plain JSON URL with
// Last-Modified, and a Keystone v3 + Heat stand-in. Each records its requests and closes at the end.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export type Served = { url: string; requests: string[]; close: () => Promise<void> };

async function serve(t: TestContext, handler: http.RequestListener): Promise<Served> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  t.after(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

// An EC2 tree: mappings are listings (sub-trees end in "/"), strings are leaves.
export type Ec2Tree = { [k: string]: string | Ec2Tree };

export function ec2Server(t: TestContext, tree: Ec2Tree): Promise<Served> {
  return serve(t, (req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    if (!path.startsWith('/latest/meta-data/')) return send(res, 404, 'not found');
    let node: string | Ec2Tree = tree;
    for (const part of path.slice('/latest/meta-data/'.length).split('/').filter(Boolean)) {
      if (typeof node === 'string') return send(res, 404, 'not found');
      const key: string | undefined = Object.keys(node).find((k) => k === part || k.startsWith(`${part}=`));
      if (key === undefined) return send(res, 404, 'not found');
      node = node[key]!;
    }
    if (typeof node === 'string') return send(res, 200, node);
    if (!path.endsWith('/')) return send(res, 404, 'not found');
    // A key like "0=mykey" is listed as is; its sub-tree is fetched as "0/".
    const lines = Object.entries(node).map(([k, v]) =>
      typeof v === 'string' || k.includes('=') ? k : `${k}/`,
    );
    send(res, 200, lines.join('\n'));
  });
}

// What the CFN API checks: HMAC-SHA256 over verb, host, path and the sorted, quoted parameters.
function expectedSignature(secret: string, host: string, path: string, query: URLSearchParams): string {
  const enc = (s: string, safe: string) =>
    [...Buffer.from(s, 'utf8')]
      .map((b) => {
        const c = String.fromCharCode(b);
        return /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)
          ? c
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
      })
      .join('');
  const pairs = [...query.entries()]
    .filter(([k]) => k !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const qs = pairs.map(([k, v]) => `${enc(k, '')}=${enc(v, '-_~')}`).join('&');
  return createHmac('sha256', secret).update(`GET\n${host}\n${path}\n${qs}`).digest('base64');
}

export type CfnState = { keyId: string; secret: string; stack: string; resources: Record<string, unknown> };

export function cfnServer(t: TestContext, state: CfnState): Promise<Served> {
  return serve(t, (req, res) => {
    const u = new URL(req.url!, 'http://x');
    const q = u.searchParams;
    const sig = q.get('Signature');
    const ok =
      q.get('Action') === 'DescribeStackResource' &&
      q.get('SignatureVersion') === '2' &&
      q.get('SignatureMethod') === 'HmacSHA256' &&
      q.get('AWSAccessKeyId') === state.keyId &&
      sig === expectedSignature(state.secret, req.headers.host!, u.pathname, q);
    if (!ok)
      return send(
        res,
        403,
        '<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>',
      );
    if (q.get('StackName') !== state.stack) return send(res, 400, '<ErrorResponse/>');
    const md = state.resources[q.get('LogicalResourceId') ?? ''];
    if (md === undefined) return send(res, 404, '<ErrorResponse/>');
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const xml =
      '<DescribeStackResourceResponse><DescribeStackResourceResult><StackResourceDetail>' +
      `<StackName>${esc(state.stack)}</StackName><LogicalResourceId>${esc(q.get('LogicalResourceId')!)}</LogicalResourceId>` +
      `<Metadata>${esc(JSON.stringify(md))}</Metadata><ResourceStatus>CREATE_COMPLETE</ResourceStatus>` +
      '</StackResourceDetail></DescribeStackResourceResult></DescribeStackResourceResponse>';
    send(res, 200, xml, { 'Content-Type': 'application/xml' });
  });
}

export type RequestState = { body: string; lastModified: Date };

export function requestServer(t: TestContext, state: RequestState): Promise<Served> {
  return serve(t, (req, res) => {
    const headers = { 'Content-Type': 'application/json', 'Last-Modified': state.lastModified.toUTCString() };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(state.body) });
      return res.end();
    }
    send(res, 200, state.body, headers);
  });
}

export type HeatState = {
  userId: string;
  password: string;
  projectId: string;
  stackName: string;
  stackId: string;
  resource: string;
  metadata: unknown;
};

// Keystone (version discovery, password tokens with a catalog) and Heat (stack lookup, metadata).
export async function keystoneHeatServer(t: TestContext, state: HeatState): Promise<Served> {
  const token = 'tok-' + Math.random().toString(36).slice(2);
  let base = '';
  const served = await serve(t, (req, res) => {
    const u = new URL(req.url!, 'http://x');
    const json = (status: number, v: unknown, h: Record<string, string> = {}) =>
      send(res, status, JSON.stringify(v), { 'Content-Type': 'application/json', ...h });
    if (req.method === 'GET' && (u.pathname === '/' || u.pathname === '/identity/')) {
      return json(300, {
        versions: {
          values: [{ id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${base}/identity/v3/` }] }],
        },
      });
    }
    if (req.method === 'GET' && /^\/identity\/v3\/?$/.test(u.pathname)) {
      return json(200, {
        version: { id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${base}/identity/v3/` }] },
      });
    }
    if (req.method === 'POST' && u.pathname === '/identity/v3/auth/tokens') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          auth: {
            identity: { password: { user: { id: string; password: string } } };
            scope: { project: { id: string } };
          };
        };
        const user = body.auth.identity.password.user;
        if (
          user.id !== state.userId ||
          user.password !== state.password ||
          body.auth.scope.project.id !== state.projectId
        )
          return json(401, {
            error: {
              code: 401,
              title: 'Unauthorized',
              message: 'The request you have made requires authentication.',
            },
          });
        const catalog = [
          {
            type: 'orchestration',
            name: 'heat',
            endpoints: [
              {
                interface: 'public',
                region: 'RegionOne',
                region_id: 'RegionOne',
                url: `${base}/heat/v1/${state.projectId}`,
              },
              { interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: `${base}/wrong` },
            ],
          },
        ];
        const expires = new Date(Date.now() + 3600_000).toISOString();
        json(
          201,
          {
            token: {
              methods: ['password'],
              expires_at: expires,
              issued_at: new Date().toISOString(),
              user: { id: state.userId, name: 'u', domain: { id: 'default', name: 'Default' } },
              project: { id: state.projectId, name: 'p', domain: { id: 'default', name: 'Default' } },
              roles: [{ id: 'r', name: 'member' }],
              catalog,
            },
          },
          { 'X-Subject-Token': token },
        );
      });
      return;
    }
    if (u.pathname.startsWith('/heat/')) {
      if (req.headers['x-auth-token'] !== token) return json(401, { error: 'unauthorized' });
      const prefix = `/heat/v1/${state.projectId}/stacks/`;
      const rest = decodeURIComponent(u.pathname.slice(prefix.length));
      if (rest === state.stackName) {
        res.writeHead(302, {
          Location: `${base}${prefix}${state.stackName}/${state.stackId}`,
          'Content-Length': 0,
        });
        return res.end();
      }
      if (rest === `${state.stackName}/${state.stackId}/resources/${state.resource}/metadata`)
        return json(200, { metadata: state.metadata });
      return json(404, { error: 'not found' });
    }
    send(res, 404, 'not found');
  });
  base = served.url;
  return served;
}
