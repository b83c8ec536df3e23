// Makes host services (the seed's HTTP endpoints on 127.0.0.1) reachable from the provisioning network at the
// bridge's address, without touching the host's network: a listener inside the lab namespace hands each
// connection to a unix socket in the lab directory (unix sockets are not network-namespaced), where a
// host-side listener connects it to 127.0.0.1:PORT. Two halves of one program:
//   forward.ts host LAB_DIR   — unix <labDir>/fwd/<port>.sock → 127.0.0.1:<port>
//   forward.ts ns LAB_DIR     — (run with ip netns exec) <bridge ip>:<port> → unix socket
// The ns half also carries the other direction, for the bare metal conductor calling the deploy agents in
// the guests: an HTTP proxy on the unix socket <labDir>/fwd/into-lab.sock that sends each request to the
// address in its Host header, which must be on the lab's network (intoLabTarget).
// With a seed running the metadata service, the ns half also serves 169.254.169.254:80 (the guests' host
// route points there) and passes each request to the service's trusted unix socket with X-Forwarded-For set
// to the guest's own address, replacing whatever the guest sent, as the seed document's DNAT rule did.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { intoLabTarget } from './into-lab.ts';
import { METADATA_ADDRESS } from './network.ts';
import { readLab } from './state.ts';

export const forwardDir = (labDir: string) => join(labDir, 'fwd');
export const forwardSocket = (labDir: string, port: number) => join(forwardDir(labDir), `${port}.sock`);
/** Where the bare metal conductor reaches HTTP servers in the guests (an HTTP proxy inside the namespace). */
export const intoLabSocket = (labDir: string) => join(forwardDir(labDir), 'into-lab.sock');
export const forwardReady = (labDir: string, half: 'host' | 'ns') =>
  join(forwardDir(labDir), `${half}.ready`);

function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (args.length === 1) server.listen(args[0], () => resolve());
    else server.listen(args[0], args[1], () => resolve());
  });
}

export async function runForwardHalf(half: 'host' | 'ns', labDir: string): Promise<Server[]> {
  const lab = readLab(labDir);
  if (!lab) throw new Error(`no lab in ${labDir}`);
  mkdirSync(forwardDir(labDir), { recursive: true });
  const bridgeIp = lab.cidr.split('/')[0]!;
  const servers: Server[] = [];
  for (const port of lab.forwards ?? []) {
    const sock = forwardSocket(labDir, port);
    if (half === 'host') {
      rmSync(sock, { force: true });
      const server = createServer((c) => splice(c, connect(port, '127.0.0.1')));
      await listen(server, sock);
      servers.push(server);
    } else {
      const server = createServer((c) => splice(c, connect(sock)));
      await listen(server, port, bridgeIp);
      servers.push(server);
    }
  }
  if (half === 'ns') servers.push(await intoLabProxy(labDir, lab.cidr));
  if (half === 'ns' && lab.metadataSocket) servers.push(await metadataProxy(lab.metadataSocket));
  writeFileSync(forwardReady(labDir, half), `${process.pid}\n`);
  return servers;
}

/** The HTTP proxy from the host (a unix socket) to the guests' addresses on the lab's network. */
async function intoLabProxy(labDir: string, cidr: string): Promise<Server> {
  const sock = intoLabSocket(labDir);
  rmSync(sock, { force: true });
  const server = createHttpServer((req, res) => {
    const target = intoLabTarget(req.headers.host, cidr);
    if (!target) {
      res
        .writeHead(403, { 'content-type': 'text/plain' })
        .end(`not on the lab's network: ${req.headers.host}`);
      return;
    }
    // A connection per request (agent: false): Node's default agent keeps sockets alive and reuses them,
    // and the deploy agent's server (Node 18) closes idle ones after 5 s, so a reused one raced its close
    // and the conductor's call failed with ECONNRESET.
    const up = request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`into the lab: ${e.message}`);
    });
    req.pipe(up);
  });
  await listen(server, sock);
  return server;
}

/** 169.254.169.254:80 → the metadata service's socket, naming the asking guest by its source address. */
async function metadataProxy(socketPath: string): Promise<Server> {
  const server = createHttpServer((req, res) => {
    const guest = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const headers = { ...req.headers, 'x-forwarded-for': guest };
    const up = request({ socketPath, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`metadata service: ${e.message}`);
    });
    req.pipe(up);
  });
  await listen(server, 80, METADATA_ADDRESS);
  return server;
}

if (import.meta.main) {
  const [half, dir] = process.argv.slice(2);
  if ((half !== 'host' && half !== 'ns') || !dir) {
    process.stderr.write('usage: forward.ts host|ns LAB_DIR\n');
    process.exit(2);
  }
  await runForwardHalf(half, dir);
  process.on('SIGTERM', () => process.exit(0));
}
