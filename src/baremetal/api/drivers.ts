// /v1/drivers (hardware types with their hosts and interfaces) and /v1/conductors (1.49).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { implementation } from '../drivers/compose.ts';
import { notAcceptable, notFound } from '../model/errors.ts';
import { HARDWARE_TYPES, type HardwareType, INTERFACES } from '../model/hardware-types.ts';
import { enforce, minorOf } from './common.ts';
import type { ApiContext } from './context.ts';
import { links } from './views.ts';

async function aliveHosts(api: ApiContext): Promise<
  {
    hostname: string;
    alive: boolean;
    drivers: string[];
    conductor_group: string;
    started_at: number;
    heartbeat_at: number;
  }[]
> {
  const now = Date.now();
  return (await api.conductors.list()).map((c) => ({
    ...c,
    alive: now - c.heartbeat_at < api.settings.heartbeatTimeoutMs,
  }));
}

function driverView(req: FastifyRequest, hw: HardwareType, hosts: string[], detail: boolean) {
  const base = {
    name: hw.name,
    hosts,
    type: 'dynamic',
    links: links(req, `drivers/${hw.name}`),
    properties: links(req, `drivers/${hw.name}/properties`),
  };
  if (!detail || minorOf(req) < 30) return base;
  const extra: Record<string, unknown> = {};
  for (const i of INTERFACES) {
    if (i === 'firmware' && minorOf(req) < 86) continue;
    extra[`default_${i}_interface`] = hw.supported[i][0];
    extra[`enabled_${i}_interfaces`] = [...hw.supported[i]];
  }
  return { ...base, ...extra };
}

export function driverRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/drivers', async (req) => {
    enforce(req, 'driver:get');
    const q = req.query as { type?: string; detail?: string };
    const conductors = (await aliveHosts(api)).filter((c) => c.alive);
    const detail = String(q.detail ?? '').toLowerCase() === 'true';
    const types = q.type === 'classic' ? [] : [...HARDWARE_TYPES.values()];
    return {
      drivers: types
        .map((hw) =>
          driverView(
            req,
            hw,
            conductors.filter((c) => c.drivers.includes(hw.name)).map((c) => c.hostname),
            detail,
          ),
        )
        .filter((d) => d.hosts.length > 0),
    };
  });

  app.get('/v1/drivers/:name', async (req) => {
    enforce(req, 'driver:get');
    const { name } = req.params as { name: string };
    const hw = HARDWARE_TYPES.get(name);
    const hosts = (await aliveHosts(api))
      .filter((c) => c.alive && c.drivers.includes(name))
      .map((c) => c.hostname);
    if (!hw || hosts.length === 0) throw notFound('Driver', name, 'DriverNotFound');
    return driverView(req, hw, hosts, true);
  });

  app.get('/v1/drivers/:name/properties', async (req) => {
    enforce(req, 'driver:get');
    const { name } = req.params as { name: string };
    const hw = HARDWARE_TYPES.get(name);
    if (!hw) throw notFound('Driver', name, 'DriverNotFound');
    const props: Record<string, string> = {};
    for (const i of INTERFACES) Object.assign(props, implementation(i, hw.supported[i][0] ?? '').properties);
    return props;
  });

  app.get('/v1/conductors', async (req) => {
    if (minorOf(req) < 49) throw notAcceptable('Conductors need API version 1.49.');
    enforce(req, 'conductor:get');
    const detail = String((req.query as { detail?: string }).detail ?? '').toLowerCase() === 'true';
    return {
      conductors: (await aliveHosts(api)).map((c) => conductorView(req, c, detail)),
    };
  });

  app.get('/v1/conductors/:hostname', async (req) => {
    if (minorOf(req) < 49) throw notAcceptable('Conductors need API version 1.49.');
    enforce(req, 'conductor:get');
    const { hostname } = req.params as { hostname: string };
    const c = (await aliveHosts(api)).find((x) => x.hostname === hostname);
    if (!c) throw notFound('Conductor', hostname, 'ConductorNotFound');
    return conductorView(req, c, true);
  });
}

function conductorView(
  req: FastifyRequest,
  c: {
    hostname: string;
    alive: boolean;
    drivers: string[];
    conductor_group: string;
    started_at: number;
    heartbeat_at: number;
  },
  detail: boolean,
) {
  const base = {
    hostname: c.hostname,
    conductor_group: c.conductor_group,
    alive: c.alive,
    links: links(req, `conductors/${c.hostname}`),
  };
  if (!detail) return base;
  return {
    ...base,
    drivers: c.drivers,
    created_at: new Date(c.started_at).toISOString(),
    updated_at: new Date(c.heartbeat_at).toISOString(),
  };
}
