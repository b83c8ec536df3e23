// The compute service (Nova v2.1 on port 8774) as a plugin of the seed: flavors, keypairs, quotas and
// limits, availability zones, hypervisors (the bare metal nodes), server groups, and servers built on bare
// metal nodes (claimed through the bare metal service's allocations, deployed through its client, with
// ports from the network service's client) by the server worker. The metadata service (8775) is not served.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { BaremetalClient } from '../baremetal/client.ts';
import type { ServiceDefinition } from '../platform/service.ts';
import { negotiateMicroversions, registerDiscovery, requireOwnProject } from './api/discovery.ts';
import { flavorRoutes } from './api/flavors.ts';
import { hypervisorRoutes } from './api/hypervisors.ts';
import { keypairRoutes } from './api/keypairs.ts';
import { quotaRoutes } from './api/quotas.ts';
import { renderNovaError } from './api/render.ts';
import { serverActionRoutes } from './api/server-actions.ts';
import { serverExtraRoutes } from './api/server-extras.ts';
import { serverGroupRoutes } from './api/server-groups.ts';
import { type ServerApiDeps, serverRoutes } from './api/servers.ts';
import { zoneRoutes } from './api/zones.ts';
import { HttpComputeClient } from './http-client.ts';
import { nodeFrom } from './model/baremetal-node.ts';
import { parseSettings } from './model/settings.ts';
import { FlavorStore } from './store/flavors.ts';
import { HypervisorIdStore } from './store/hypervisor-ids.ts';
import { KeypairStore } from './store/keypairs.ts';
import { computeMigrations } from './store/migrations.ts';
import { QuotaStore } from './store/quotas.ts';
import { ServerGroupStore } from './store/server-groups.ts';
import { ServerStore } from './store/servers.ts';
import { ServerWorker } from './worker/server-worker.ts';

export const computeService: ServiceDefinition<'compute', 'baremetal' | 'network' | 'image'> = {
  name: 'compute',
  defaultPort: 8774,
  catalog: [{ type: 'compute', name: 'nova', path: '/v2.1' }],
  migrations: computeMigrations,
  remote: (target) => new HttpComputeClient(target.url),
  needs: ['baremetal', 'network', 'image'],
  create(deps) {
    const settings = parseSettings(deps.settings, hostname());
    const quotas = new QuotaStore(deps.db, settings.quotaDefaults);
    const flavors = new FlavorStore(deps.db);
    const keypairs = new KeypairStore(deps.db, quotas);
    const groups = new ServerGroupStore(deps.db, quotas);
    const servers = new ServerStore(deps.db, quotas);
    const hypervisorIds = new HypervisorIdStore(deps.db);
    // Clients are looked up when first used: a service of this process has its URL only once it listens.
    let bm: BaremetalClient | undefined;
    const baremetal = () => {
      bm ??= deps.clients.get('baremetal').connect(deps.serviceAuth);
      return bm;
    };
    const network = () => deps.clients.get('network');
    const worker = new ServerWorker(deps.db, deps.leases, { servers, groups, settings, baremetal, network });
    const api: ServerApiDeps = {
      ctx: deps.ctx,
      servers,
      flavors,
      keypairs,
      groups,
      quotas,
      settings,
      // Images are looked up as the user (visibility is theirs), with this service's token beside it.
      image: (req) =>
        deps.clients.get('image').connect(req.auth?.tokenId ?? '', { serviceToken: deps.serviceAuth }),
      network,
      enqueue: (id) => worker.enqueue(id),
    };
    const startedAt = new Date();
    return {
      // Until servers have an in-process client, callers in this process use the REST API on the
      // loopback URL this service listens on (known once it listens).
      client: new HttpComputeClient(() => deps.urls.get('compute')),
      render: renderNovaError,
      async register(app: FastifyInstance) {
        registerDiscovery(app);
        const routes = async (v21: FastifyInstance) => {
          negotiateMicroversions(v21);
          flavorRoutes(v21, flavors);
          keypairRoutes(v21, keypairs);
          quotaRoutes(v21, quotas);
          zoneRoutes(v21, settings.availabilityZone, settings.host, startedAt);
          hypervisorRoutes(
            v21,
            async (ctx) => (await baremetal().listNodes(ctx)).map(nodeFrom),
            hypervisorIds,
            settings,
            deps.ctx,
            () => servers.byNode(),
          );
          serverGroupRoutes(v21, groups);
          serverRoutes(v21, api);
          serverActionRoutes(v21, api);
          serverExtraRoutes(v21, api);
        };
        await app.register(routes, { prefix: '/v2.1' });
        // The legacy layout with the project in the URL (/v2.1/{project_id}/flavors); it must be the token's.
        await app.register(
          async (scoped) => {
            requireOwnProject(scoped);
            await routes(scoped);
          },
          { prefix: '/v2.1/:project_id' },
        );
      },
      start: (ctx) => worker.start(ctx),
      stop: () => worker.stop(),
    };
  },
};
