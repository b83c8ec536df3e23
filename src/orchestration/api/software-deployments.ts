// Software deployments (`openstack software deployment create|list|show|output show|metadata|delete`):
// the rows the deployment resources keep, and ones a user makes directly (heatclient derives the config
// itself, then POSTs the deployment). A server's metadata lists every deployment of it, either kind.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badRequest, conflict, notFound } from '../../platform/errors/catalogue.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { DeploymentRow } from '../store/deployments.ts';
import { deploymentItems, maskKeys } from '../worker/delivered-metadata.ts';
import { callerOf, type OrchestrationApi, qs } from './deps.ts';
import { heat } from './render.ts';
import { iso } from './views.ts';

type P = { tenant: string; id: string; server: string };

// Heat keeps a deployment's action as the caller names it (heat-tempest-plugin sends ACTION0); only
// the status has meaning to the engine.
const STATUSES = ['IN_PROGRESS', 'COMPLETE', 'FAILED'];

const view = (d: DeploymentRow): JsonMap => ({
  id: d.id,
  server_id: d.serverId,
  config_id: d.configId,
  action: d.action,
  status: d.status,
  status_reason: d.statusReason,
  input_values: d.inputValues,
  output_values: d.outputValues,
  creation_time: iso(d.createdAt),
  updated_time: d.updatedAt === null ? null : iso(d.updatedAt),
});

function field(b: JsonMap, key: string, allowed?: string[]): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw badRequest(`${key} must be a non-empty string.`);
  if (allowed && !allowed.includes(v))
    throw badRequest(`${key} must be one of ${allowed.join(', ')}, not ${v}.`);
  return v;
}

export function registerSoftwareDeployments(app: FastifyInstance, api: OrchestrationApi): void {
  const own = async (projectId: string, id: string) => {
    const d = await api.store.deployments.get(id);
    if (!d || d.projectId !== projectId)
      throw notFound(`Software deployment with id ${id} not found`, { type: 'NotFound' });
    return d;
  };

  app.get<{ Params: P }>('/v1/:tenant/software_deployments', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:read');
      const server = qs(req, 'server_id');
      const rows = await api.store.deployments.list({
        projectId: caller.projectId,
        ...(server ? { serverId: server } : {}),
      });
      return { software_deployments: rows.map(view) };
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/software_deployments/metadata/:server', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:read');
      const mine = await api.store.deployments.list({
        projectId: caller.projectId,
        serverId: req.params.server,
      });
      const items = mine.length ? await deploymentItems(api.store, req.params.server) : [];
      return { metadata: maskKeys(items) };
    }),
  );

  app.post<{ Params: P }>('/v1/:tenant/software_deployments', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:write');
      const b = isMap(req.body) ? req.body : {};
      const configId = field(b, 'config_id');
      const serverId = field(b, 'server_id');
      if (!configId || !serverId) throw badRequest('A software deployment needs config_id and server_id.');
      const config = await api.store.config(configId);
      if (!config || config.projectId !== caller.projectId)
        throw notFound(`Software config with id ${configId} not found`, { type: 'NotFound' });
      if (b.input_values !== undefined && !isMap(b.input_values))
        throw badRequest('input_values must be a map.');
      if (b.output_values !== undefined && !isMap(b.output_values))
        throw badRequest('output_values must be a map.');
      const row: DeploymentRow = {
        id: field(b, 'id') ?? randomUUID(),
        projectId: caller.projectId,
        serverId,
        configId,
        action: field(b, 'action') ?? 'INIT',
        status: field(b, 'status', STATUSES) ?? 'COMPLETE',
        statusReason: typeof b.status_reason === 'string' ? b.status_reason : '',
        inputValues: isMap(b.input_values) ? b.input_values : {},
        outputValues: isMap(b.output_values) ? b.output_values : {},
        stackId: null,
        resourceName: null,
        createdAt: Date.now(),
        updatedAt: null,
      };
      if (await api.store.deployments.get(row.id))
        throw conflict(`Software deployment ${row.id} already exists.`);
      await api.store.deployments.save(row);
      return { software_deployment: view(row) };
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/software_deployments/:id', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:read');
      return { software_deployment: view(await own(caller.projectId, req.params.id)) };
    }),
  );

  app.put<{ Params: P }>('/v1/:tenant/software_deployments/:id', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:write');
      const d = await own(caller.projectId, req.params.id);
      const b = isMap(req.body) ? req.body : {};
      const configId = field(b, 'config_id');
      if (configId) {
        const config = await api.store.config(configId);
        if (!config || config.projectId !== caller.projectId)
          throw notFound(`Software config with id ${configId} not found`, { type: 'NotFound' });
      }
      if (b.output_values !== undefined && !isMap(b.output_values))
        throw badRequest('output_values must be a map.');
      const next: DeploymentRow = {
        ...d,
        configId: configId ?? d.configId,
        action: field(b, 'action') ?? d.action,
        status: field(b, 'status', STATUSES) ?? d.status,
        statusReason: typeof b.status_reason === 'string' ? b.status_reason : d.statusReason,
        inputValues: isMap(b.input_values) ? b.input_values : d.inputValues,
        outputValues: isMap(b.output_values) ? b.output_values : d.outputValues,
        updatedAt: Date.now(),
      };
      await api.store.deployments.save(next);
      return { software_deployment: view(next) };
    }),
  );

  app.delete<{ Params: P }>('/v1/:tenant/software_deployments/:id', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'software_configs:write');
      const d = await own(caller.projectId, req.params.id);
      // One a stack's deployment resource owns goes with that resource (stack update or delete).
      if (d.stackId !== null)
        throw conflict(
          `Software deployment ${d.id} belongs to resource ${d.resourceName} of stack ${d.stackId}: change the stack instead.`,
          { type: 'ActionInProgress' },
        );
      await api.store.deployments.delete(d.id);
      return reply.code(204).send();
    }),
  );
}
