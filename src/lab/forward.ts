// Makes host services (the seed's HTTP endpoints on 127.0.0.1) reachable from the provisioning network at the
// bridge's address, without touching the host's network: a listener inside the lab namespace hands each
// connection to a unix socket in the lab directory (unix sockets are not network-namespaced), where a
// host-side listener connects it to 127.0.0.1:PORT. Two halves of one program:
//   forward.ts host LAB_DIR   — unix <labDir>/fwd/<port>.sock → 127.0.0.1:<port>
//   forward.ts ns LAB_DIR     — (run with ip netns exec) <bridge ip>:<port> → unix socket
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { readLab } from './state.ts';

export const forwardDir = (labDir: string) => join(labDir, 'fwd');
export const forwardSocket = (labDir: string, port: number) => join(forwardDir(labDir), `${port}.sock`);
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
  writeFileSync(forwardReady(labDir, half), `${process.pid}\n`);
  return servers;
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
