// The bare metal service (Ironic v1 on port 6385) as a plugin of the seed: its tables, its routes, the
// platform's secret box sealing driver_info, and the conductor that runs node operations under leases.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { ServiceDefinition } from '../platform/service.ts';
import { allocationRoutes } from './api/allocations.ts';
import { chassisRoutes } from './api/chassis.ts';
import type { ApiContext } from './api/context.ts';
import { registerDiscovery } from './api/discovery.ts';
import { driverRoutes } from './api/drivers.ts';
import { nodeEventRoutes } from './api/node-events.ts';
import { nodeExtraRoutes } from './api/node-extras.ts';
import { nodeStateRoutes } from './api/node-states.ts';
import { nodeRoutes } from './api/nodes.ts';
import { portRoutes } from './api/ports.ts';
import { ramdiskRoutes } from './api/ramdisk.ts';
import { renderIronicError } from './api/render.ts';
import { configureBmc } from './drivers/bmc-options.ts';
import { SimFleet, setSimFleet } from './drivers/sim.ts';
import { baremetalServiceClient, HttpBaremetalClient } from './http-client.ts';
import { parseSettings } from './model/settings.ts';
import { AllocationStore } from './store/allocations.ts';
import { ChassisStore } from './store/chassis.ts';
import { ConductorStore } from './store/conductors.ts';
import { baremetalMigrations } from './store/migrations.ts';
import { NodeStore } from './store/nodes.ts';
import { PortStore } from './store/ports.ts';
import type { ImageAccess } from './worker/agent-steps.ts';
import { Conductor } from './worker/conductor.ts';
import { identityDeployCredentials } from './worker/deploy-credential.ts';

export const baremetalService: ServiceDefinition<'baremetal', 'identity' | 'image'> = {
  name: 'baremetal',
  defaultPort: 6385,
  catalog: [{ type: 'baremetal', name: 'ironic', path: '' }],
  migrations: baremetalMigrations,
  needs: ['identity', 'image'],
  create(deps) {
    const settings = parseSettings(deps.settings, hostname());
    const nodes = new NodeStore(deps.db, deps.secrets);
    const ports = new PortStore(deps.db);
    const conductors = new ConductorStore(deps.db);
    const url = (service: string) => {
      const u = deps.urls.get(service);
      if (!u) throw new Error(`the ${service} service is not served by this process`);
      return u;
    };
    // The agent fetches image data from the image service itself, with this service's token.
    // (looked up and connected per call: the image service's URL is known only once it listens)
    const image: ImageAccess = {
      get: (ctx, id) =>
        deps.clients.get('image').connect(deps.serviceAuth).get(ctx, id) as ReturnType<ImageAccess['get']>,
      fileUrl: (id) => `${url('image')}/v2/images/${encodeURIComponent(id)}/file`,
      credentials: identityDeployCredentials(() => url('identity'), deps.serviceAuth, deps.tokens),
    };
    const fleet = new SimFleet({
      ctx: deps.ctx,
      stateDir: deps.stateDir,
      apiUrl: () => url('baremetal'),
      ports,
      defaultDiskGb: settings.simDiskGb,
    });
    setSimFleet(fleet);
    const conductor = new Conductor({
      db: deps.db,
      nodes,
      conductors,
      leases: deps.leases,
      events: deps.events,
      settings,
      agentSteps: { ports, image },
    });
    configureBmc(deps.settings.bmc);
    const api: ApiContext = {
      ctx: deps.ctx,
      db: deps.db,
      nodes,
      ports,
      chassis: new ChassisStore(deps.db),
      allocations: new AllocationStore(deps.db),
      conductors,
      conductor,
      events: deps.events,
      settings,
    };
    return {
      render: renderIronicError,
      register(app: FastifyInstance) {
        registerDiscovery(app);
        nodeRoutes(app, api);
        nodeStateRoutes(app, api);
        nodeExtraRoutes(app, api);
        nodeEventRoutes(app, api);
        portRoutes(app, api);
        driverRoutes(app, api);
        chassisRoutes(app, api);
        allocationRoutes(app, api);
        ramdiskRoutes(app, api);
      },
      // Other services' client (over this service's own API); the conductor for this service's tests.
      client: Object.assign(
        baremetalServiceClient(() => url('baremetal')),
        { conductor },
      ),
      start: (ctx) => conductor.start(ctx),
      stop: async () => {
        await conductor.stop();
        await fleet.stopAll();
      },
    };
  },
  remote: (target) => ({ connect: (auth) => new HttpBaremetalClient(target.url, auth) }),
};
