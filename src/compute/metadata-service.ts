// The metadata service (nova-metadata-api, port 8775) as its own definition (docs/decisions/
// compute-metadata-listener.md): no catalog entry, no token, the EC2 and OpenStack trees of the instance
// that asks. It reads compute's server rows through compute's own store, in the same database, so it runs
// where compute's tables are (the same seed, started after compute).
import type { FastifyInstance } from 'fastify';
import type { ServiceDefinition } from '../platform/service.ts';
import { metadataRoutes } from './api/metadata.ts';
import { renderNovaError } from './api/render.ts';
import { type ForwardedSocket, listenForwardedSocket } from './metadata-socket.ts';
import { QuotaStore } from './store/quotas.ts';
import { ServerStore } from './store/servers.ts';

export const computeMetadataService: ServiceDefinition<'compute-metadata', never> = {
  name: 'compute-metadata',
  defaultPort: 8775,
  catalog: [],
  migrations: [],
  needs: [],
  create(deps) {
    const v = deps.settings.useForwardedFor;
    if (v !== undefined && typeof v !== 'boolean')
      throw new Error('compute-metadata settings: useForwardedFor must be true or false');
    const socketPath = deps.settings.forwardedForSocket;
    if (socketPath !== undefined && (typeof socketPath !== 'string' || !socketPath.startsWith('/')))
      throw new Error('compute-metadata settings: forwardedForSocket must be an absolute path');
    const servers = new ServerStore(deps.db, new QuotaStore(deps.db));
    let socket: ForwardedSocket | undefined;
    return {
      render: renderNovaError,
      register(app: FastifyInstance) {
        metadataRoutes(app, servers, v === true);
      },
      // The trusted proxy path (the lab's 169.254.169.254 forwarder): X-Forwarded-For is believed only there.
      async start() {
        if (socketPath) socket = await listenForwardedSocket(socketPath, servers);
      },
      async stop() {
        await socket?.close();
      },
    };
  },
};
