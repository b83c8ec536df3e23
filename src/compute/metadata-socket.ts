// The metadata service's second way in, for a proxy of our own (the lab's 169.254.169.254 forwarder): a unix
// socket, mode 0600, where X-Forwarded-For names the instance. Only root (the proxy) can connect to it, so
// the header is trusted there and nowhere else; the TCP port keeps `useForwardedFor` (default off)
// (docs/decisions/compute-metadata-forwarded-socket.md).
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Fastify from 'fastify';
import { metadataRoutes } from './api/metadata.ts';
import type { ServerStore } from './store/servers.ts';

export interface ForwardedSocket {
  close(): Promise<void>;
}

export async function listenForwardedSocket(path: string, servers: ServerStore): Promise<ForwardedSocket> {
  mkdirSync(dirname(path), { recursive: true });
  // Its directory is closed too, so nobody reaches the socket in the moment before its chmod.
  chmodSync(dirname(path), 0o700);
  rmSync(path, { force: true });
  const app = Fastify({ logger: false });
  metadataRoutes(app, servers, true);
  await app.listen({ path });
  chmodSync(path, 0o600);
  return {
    async close() {
      await app.close();
      rmSync(path, { force: true });
    },
  };
}
