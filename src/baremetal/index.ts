// The bare metal service (Ironic v1 on port 6385) as a plugin of the seed: its tables, its routes, the
// platform's secret box sealing driver_info, and the conductor that runs node operations under leases.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ServiceDefinition } from '../platform/service.ts';
import { allocationRoutes } from './api/allocations.ts';
import { bootRoutes } from './api/boot.ts';
import { chassisRoutes } from './api/chassis.ts';
import type { ApiContext } from './api/context.ts';
import { defaultVersionUrl, registerDiscovery } from './api/discovery.ts';
import { driverRoutes } from './api/drivers.ts';
import { nodeEventRoutes } from './api/node-events.ts';
import { nodeExtraRoutes } from './api/node-extras.ts';
import { nodeStateRoutes } from './api/node-states.ts';
import { nodeRoutes } from './api/nodes.ts';
import { portgroupRoutes } from './api/portgroups.ts';
import { portRoutes } from './api/ports.ts';
import { ramdiskRoutes } from './api/ramdisk.ts';
import { renderIronicError } from './api/render.ts';
import { configureBmc } from './drivers/bmc-options.ts';
import { BootFiles } from './drivers/boot-files.ts';
import { configureFakeDelays } from './drivers/fake.ts';
import { networkBooted, setPxeEnv, urlForNodes } from './drivers/pxe-boot.ts';
import { SimFleet, setSimFleet } from './drivers/sim.ts';
import { baremetalServiceClient, HttpBaremetalClient } from './http-client.ts';
import { parseFakeDelays } from './model/fake-delays.ts';
import { parseSettings } from './model/settings.ts';
import { AllocationStore } from './store/allocations.ts';
import { ChassisStore } from './store/chassis.ts';
import { ConductorStore } from './store/conductors.ts';
import { baremetalMigrations } from './store/migrations.ts';
import { NodeStore } from './store/nodes.ts';
import { PortgroupStore } from './store/portgroups.ts';
import { PortStore } from './store/ports.ts';
import type { ImageAccess } from './worker/agent-pass.ts';
import { Allocator } from './worker/allocator.ts';
import { Conductor } from './worker/conductor.ts';
import { identityDeployCredentials } from './worker/deploy-credential.ts';

export const baremetalService: ServiceDefinition<'baremetal', 'identity' | 'image' | 'network'> = {
  name: 'baremetal',
  defaultPort: 6385,
  catalog: [{ type: 'baremetal', name: 'ironic', path: '' }],
  migrations: baremetalMigrations,
  needs: ['identity', 'image', 'network'],
  rewriteUrl: defaultVersionUrl,
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
      fileUrl: async (ctx, id, node) => {
        const base = networkBooted(node) ? await urlForNodes(ctx, url('image')) : url('image');
        return `${base}/v2/images/${encodeURIComponent(id)}/file`;
      },
      ownProject: async (ctx) => (await deps.tokens.validate(await deps.serviceAuth.token(ctx))).projectId,
      credentials: identityDeployCredentials(() => url('identity'), deps.serviceAuth, deps.tokens),
    };
    const fleet = new SimFleet({
      ctx: deps.ctx,
      host: settings.host,
      stateDir: deps.stateDir,
      apiUrl: () => url('baremetal'),
      ports,
      defaultDiskGb: settings.simDiskGb,
    });
    setSimFleet(fleet);
    const bootFiles = new BootFiles(join(deps.stateDir, 'baremetal', 'boot'));
    setPxeEnv({
      settings,
      files: bootFiles,
      images: {
        save: (ctx, id, dest) => deps.clients.get('image').connect(deps.serviceAuth).save(ctx, id, dest),
      },
      ports,
      network: () => deps.clients.get('network'),
      apiPort: () => Number(new URL(url('baremetal')).port),
    });
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
    const allocations = new AllocationStore(deps.db);
    const allocator = new Allocator({
      db: deps.db,
      nodes,
      allocations,
      resyncMs: settings.periodicIntervalMs,
    });
    configureFakeDelays(parseFakeDelays(deps.settings.fakeDelays));
    const api: ApiContext = {
      ctx: deps.ctx,
      db: deps.db,
      nodes,
      ports,
      portgroups: new PortgroupStore(deps.db),
      chassis: new ChassisStore(deps.db),
      allocations,
      conductors,
      conductor,
      allocator,
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
        portgroupRoutes(app, api);
        driverRoutes(app, api);
        chassisRoutes(app, api);
        allocationRoutes(app, api);
        ramdiskRoutes(app, api);
        bootRoutes(app, bootFiles);
      },
      // Other services' client (over this service's own API); the conductor for this service's tests.
      client: Object.assign(
        baremetalServiceClient(() => url('baremetal')),
        { conductor },
      ),
      start: async (ctx) => {
        await conductor.start(ctx);
        await allocator.start(ctx);
      },
      stop: async () => {
        await allocator.stop();
        await conductor.stop();
        await fleet.stopAll();
      },
    };
  },
  remote: (target) => ({ connect: (auth) => new HttpBaremetalClient(target.url, auth) }),
};
