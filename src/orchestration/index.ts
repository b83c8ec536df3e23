// The orchestration service (Heat v1) as a plugin of the seed: its tables, its engine (which fails
// stacks an engine left IN_PROGRESS when it died), its routes.
import type { ServiceDefinition } from '../platform/service.ts';
import { registerCatalog } from './api/catalog.ts';
import type { OrchestrationApi } from './api/deps.ts';
import { plainJsonContentType, renderHeatError } from './api/render.ts';
import { registerResources } from './api/resources.ts';
import { registerSoftwareConfigs } from './api/software-configs.ts';
import { registerSoftwareDeployments } from './api/software-deployments.ts';
import { registerStacks } from './api/stacks.ts';
import { registerValidate } from './api/validate.ts';
import { createOrchestrationClient } from './client.ts';
import { orchestrationMigrations } from './store/migrations.ts';
import { HeatStore } from './store/stacks.ts';
import { defaultCheckers } from './worker/constraints.ts';
import { Engine } from './worker/engine.ts';
import type { HeatClients } from './worker/resources/plugin.ts';
import { PluginRegistry, pluginsFor } from './worker/resources/registry.ts';

export interface OrchestrationSettings {
  region: string;
  leaseTtlMs: number;
  /** The CFN API's URL as machines reach it (default: where this process serves orchestration-cfn). */
  cfnUrl?: string;
  /** Keystone's v3 URL as machines reach it, for POLL_SERVER_HEAT (default: this process's identity). */
  authUrl?: string;
  /** Only the host machines reach the CFN API at, on the port this process serves it (the lab's bridge). */
  cfnHost?: string;
}

/** Heat's heat_metadata_server_url: the URL machines are given for the CFN API (metadata, signals). */
export function machineCfnUrl(
  settings: OrchestrationSettings,
  served: string | undefined,
): string | undefined {
  if (settings.cfnUrl) return settings.cfnUrl;
  if (!settings.cfnHost || !served) return served;
  const u = new URL(served);
  u.hostname = settings.cfnHost;
  return u.toString().replace(/\/$/, '');
}

export function orchestrationSettings(raw: Record<string, unknown>): OrchestrationSettings {
  const ttl = raw.leaseTtlMs;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 100)) {
    throw new Error('orchestration settings: leaseTtlMs must be a whole number of milliseconds ≥ 100');
  }
  return {
    region: typeof raw.region === 'string' ? raw.region : 'RegionOne',
    leaseTtlMs: (ttl as number | undefined) ?? 30_000,
    ...(typeof raw.cfnUrl === 'string' ? { cfnUrl: raw.cfnUrl } : {}),
    ...(typeof raw.authUrl === 'string' ? { authUrl: raw.authUrl } : {}),
    ...(typeof raw.cfnHost === 'string' && raw.cfnHost !== '' ? { cfnHost: raw.cfnHost } : {}),
  };
}

export const orchestrationService: ServiceDefinition<
  'orchestration',
  'identity' | 'image' | 'network' | 'compute'
> = {
  name: 'orchestration',
  defaultPort: 8004,
  catalog: [{ type: 'orchestration', name: 'heat', path: '/v1/%(tenant_id)s' }],
  migrations: orchestrationMigrations,
  needs: ['identity', 'image', 'network', 'compute'],
  bodyLimit: 16 * 1024 * 1024,
  async create(deps) {
    const settings = orchestrationSettings(deps.settings);
    const store = new HeatStore(deps.db, deps.secrets);
    const clients: HeatClients = {
      identity: deps.clients.get('identity'),
      image: deps.clients.get('image'),
      network: deps.clients.get('network'),
      // A need like the others: the seed starts compute here or refuses to start without a URL for it.
      compute: deps.clients.get('compute'),
    };
    const registry = new PluginRegistry(pluginsFor(clients));
    const engine = new Engine({
      ctx: deps.ctx,
      db: deps.db,
      store,
      leases: deps.leases,
      events: deps.events,
      registry,
      clients,
      region: settings.region,
      leaseTtlMs: settings.leaseTtlMs,
      cfnUrl: () => machineCfnUrl(settings, deps.urls.get('orchestration-cfn')),
      authUrl: () => {
        const here = deps.urls.get('identity');
        return settings.authUrl ?? (here ? `${here.replace(/\/+$/, '')}/v3` : undefined);
      },
    });
    const recovered = await engine.recover();
    if (recovered > 0)
      deps.ctx.log.warn({ recovered }, 'stacks left IN_PROGRESS by a dead engine marked FAILED');
    const api: OrchestrationApi = {
      ctx: deps.ctx,
      engine,
      store,
      registry,
      checkers: defaultCheckers(clients),
      region: settings.region,
    };
    return {
      client: createOrchestrationClient(store, engine, registry),
      render: renderHeatError,
      register(app) {
        plainJsonContentType(app);
        registerStacks(app, api);
        registerResources(app, api);
        registerCatalog(app, api);
        registerValidate(app, api);
        registerSoftwareConfigs(app, api);
        registerSoftwareDeployments(app, api);
      },
      async stop() {
        await engine.stop();
      },
    };
  },
};
