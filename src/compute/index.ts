// The compute service (Nova v2.1 on port 8774) as a plugin of the seed: flavors, keypairs, quotas and
// limits, availability zones, hypervisors (the bare metal nodes) and server groups. Servers and the
// metadata service (8775) are not served yet: their routes answer Nova's 404.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { ServiceDefinition } from '../platform/service.ts';
import { negotiateMicroversions, registerDiscovery, requireOwnProject } from './api/discovery.ts';
import { flavorRoutes } from './api/flavors.ts';
import { hypervisorRoutes } from './api/hypervisors.ts';
import { keypairRoutes } from './api/keypairs.ts';
import { quotaRoutes } from './api/quotas.ts';
import { renderNovaError } from './api/render.ts';
import { serverGroupRoutes } from './api/server-groups.ts';
import { zoneRoutes } from './api/zones.ts';
import { HttpComputeClient } from './http-client.ts';
import { parseSettings } from './model/settings.ts';
import { connectPeers } from './peers.ts';
import { FlavorStore } from './store/flavors.ts';
import { HypervisorIdStore } from './store/hypervisor-ids.ts';
import { KeypairStore } from './store/keypairs.ts';
import { computeMigrations } from './store/migrations.ts';
import { QuotaStore } from './store/quotas.ts';
import { ServerGroupStore } from './store/server-groups.ts';

export const computeService: ServiceDefinition<'compute'> = {
  name: 'compute',
  defaultPort: 8774,
  catalog: [{ type: 'compute', name: 'nova', path: '/v2.1' }],
  migrations: computeMigrations,
  remote: (target) => new HttpComputeClient(target.url),
  create(deps) {
    const settings = parseSettings(deps.settings, hostname());
    const quotas = new QuotaStore(deps.db, settings.quotaDefaults);
    const flavors = new FlavorStore(deps.db);
    const keypairs = new KeypairStore(deps.db, quotas);
    const groups = new ServerGroupStore(deps.db, quotas);
    const hypervisorIds = new HypervisorIdStore(deps.db);
    const peers = connectPeers(deps.urls);
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
          hypervisorRoutes(v21, peers, hypervisorIds, settings, deps.ctx);
          serverGroupRoutes(v21, groups);
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
    };
  },
};
