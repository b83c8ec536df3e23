// The network service (Neutron v2.0 on port 9696): stores, routes and, where configured, the DHCP agent.
import { hostname, userInfo } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { ServiceDefinition } from '../platform/service.ts';
import type { ApiContext } from './api/context.ts';
import { metaRoutes } from './api/meta.ts';
import { networkRoutes } from './api/networks.ts';
import { portRoutes } from './api/ports.ts';
import { quotaRoutes } from './api/quotas.ts';
import { renderNeutronError } from './api/render.ts';
import { securityGroupRoutes } from './api/security-groups.ts';
import { subnetRoutes } from './api/subnets.ts';
import { createNetworkClient } from './client.ts';
import { HttpNetworkClient } from './http-client.ts';
import { parseSettings } from './model/settings.ts';
import { networkMigrations } from './store/migrations.ts';
import { createStores } from './store/stores.ts';
import { DhcpAgent } from './worker/dhcp-agent.ts';

export const networkService: ServiceDefinition<'network'> = {
  name: 'network',
  defaultPort: 9696,
  catalog: [{ type: 'network', name: 'neutron', path: '' }],
  migrations: networkMigrations,
  create(deps) {
    const settings = parseSettings(deps.settings, hostname(), userInfo().username);
    const stores = createStores(deps.db, settings);
    const api: ApiContext = {
      ...stores,
      defaultMtu: settings.defaultMtu,
      availabilityZone: settings.availabilityZone,
    };
    const agent = settings.dhcp.enabled
      ? new DhcpAgent({ db: deps.db, stores, settings: settings.dhcp, stateDir: deps.stateDir })
      : undefined;
    return {
      render: renderNeutronError,
      register(app: FastifyInstance) {
        metaRoutes(app, api);
        networkRoutes(app, api);
        subnetRoutes(app, api);
        portRoutes(app, api);
        securityGroupRoutes(app, api);
        quotaRoutes(app, api);
      },
      client: createNetworkClient(stores, settings.availabilityZone, settings.defaultMtu),
      start: agent && ((ctx) => agent.start(ctx)),
      stop: agent && (() => agent.stop()),
    };
  },
  // A caller elsewhere acts as itself, with its own service token (the in-process client acts as a service).
  remote: (target, caller) => new HttpNetworkClient(target.url, caller.auth),
};
