// Heat v1 stacks: create (and preview), list, show, update (PUT, PATCH --existing, preview), delete,
// actions (check, cancel_update), template/environment/files, outputs, and the name → name/id redirects.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../platform/errors/catalogue.ts';
import { type Environment, mergeEnvironment } from '../model/environment.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { StackRow } from '../store/stacks.ts';
import { runCustomChecks } from '../worker/constraints.ts';
import { inputFromBody, type StackInput } from '../worker/prepare.ts';
import { callerOf, type OrchestrationApi, qs, qsAll, qsBool, stackAt, stackNotFound } from './deps.ts';
import { previewResources } from './preview.ts';
import { heat } from './render.ts';
import { baseUrl, stackDetail, stackPath, stackSummary } from './views.ts';

type P = { tenant: string; name: string; id: string; sub?: string; key?: string };

const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;

function body(req: FastifyRequest): JsonMap {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (!isMap(b)) throw badRequest('The request body must be a JSON object.');
  return b;
}

function tagsOf(b: JsonMap): string[] | undefined {
  if (b.tags === undefined || b.tags === null) return undefined;
  if (Array.isArray(b.tags)) return b.tags.map(String);
  return String(b.tags)
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

function timeoutOf(b: JsonMap): number | null | undefined {
  if (b.timeout_mins === undefined) return undefined;
  if (b.timeout_mins === null) return null;
  const n = Number(b.timeout_mins);
  if (!Number.isInteger(n) || n <= 0) throw badRequest(`Invalid timeout value ${String(b.timeout_mins)}`);
  return n;
}

function boolOf(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'yes', 'on'].includes(String(v).toLowerCase());
}

function templateOf(s: StackRow): Template | undefined {
  try {
    return parseTemplate(s.template);
  } catch {
    return undefined;
  }
}

/** PATCH (--existing): the stored definition with the body's changes merged over it. */
function patchedInput(s: StackRow, b: JsonMap): StackInput {
  const incoming = inputFromBody({ ...b, template: b.template ?? s.template }, { requireTemplate: false });
  const old = s.environment as unknown as Environment;
  let env = mergeEnvironment(
    { ...old, parameters: { ...old.parameters } },
    incoming.environment as unknown as JsonMap,
    'environment',
  );
  const clear = Array.isArray(b.clear_parameters) ? b.clear_parameters.map(String) : [];
  for (const c of clear) {
    delete env.parameters[c];
    delete env.parameter_defaults[c];
  }
  env = { ...env };
  return { template: incoming.template, files: { ...s.files, ...incoming.files }, environment: env };
}

export function registerStacks(app: FastifyInstance, api: OrchestrationApi): void {
  app.get('/', { config: { public: true } }, async (req, reply) =>
    reply.code(300).send({
      versions: [
        {
          id: 'v1.0',
          status: 'CURRENT',
          links: [{ rel: 'self', href: `${req.protocol}://${req.headers.host}/v1/` }],
        },
      ],
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/stacks', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      let rows = await api.store.listStacks({
        projectId: caller.projectId,
        name: qsAll(req, 'name'),
        status: qsAll(req, 'status'),
        action: qsAll(req, 'action'),
        id: qsAll(req, 'id'),
        showDeleted: qsBool(req, 'show_deleted'),
        showNested: qsBool(req, 'show_nested'),
      });
      const tags = qsAll(req, 'tags').flatMap((t) => t.split(','));
      if (tags.length) rows = rows.filter((s) => tags.every((t) => s.tags.includes(t)));
      const anyTags = qsAll(req, 'tags_any').flatMap((t) => t.split(','));
      if (anyTags.length) rows = rows.filter((s) => anyTags.some((t) => s.tags.includes(t)));
      const sortKey = qs(req, 'sort_keys');
      const dir = qs(req, 'sort_dir') === 'asc' ? 1 : -1;
      if (sortKey) {
        const key = (
          {
            stack_name: 'name',
            creation_time: 'createdAt',
            updated_time: 'updatedAt',
            stack_status: 'status',
          } as const
        )[sortKey as 'stack_name'];
        if (!key) throw badRequest(`Sort key "${sortKey}" not supported.`);
        rows.sort((a, b) =>
          String(a[key]) < String(b[key]) ? -dir : String(a[key]) > String(b[key]) ? dir : 0,
        );
      }
      const marker = qs(req, 'marker');
      if (marker) {
        const i = rows.findIndex((s) => s.id === marker);
        if (i < 0) throw notFound(`The Stack (${marker}) could not be found.`, { type: 'EntityNotFound' });
        rows = rows.slice(i + 1);
      }
      const total = rows.length;
      const limit = qs(req, 'limit');
      if (limit !== undefined) rows = rows.slice(0, Math.max(0, Number(limit)));
      return {
        stacks: rows.map((s) => stackSummary(req, s, templateOf(s)?.description ?? '')),
        ...(qsBool(req, 'with_count') ? { count: total } : {}),
      };
    }),
  );

  app.post<{ Params: P }>('/v1/:tenant/stacks', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const b = body(req);
      const name = b.stack_name;
      if (typeof name !== 'string' || !NAME_RE.test(name)) {
        throw badRequest(
          `Invalid stack name ${String(name)} must contain only alphanumeric or "_-." characters, must start with alpha and must be 255 characters or less.`,
          { type: 'StackValidationFailed' },
        );
      }
      const input = inputFromBody(b);
      const def = api.engine.prepare(input);
      await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
      const s = await api.engine.create(caller, name, input, {
        disableRollback: boolOf(b.disable_rollback) ?? true,
        timeoutMins: timeoutOf(b) ?? null,
        tags: tagsOf(b) ?? [],
      });
      const href = `${baseUrl(req, caller.projectId)}/${stackPath(s)}`;
      return reply
        .code(201)
        .header('location', href)
        .send({ stack: { id: s.id, links: [{ href, rel: 'self' }] } });
    }),
  );

  app.post<{ Params: P }>('/v1/:tenant/stacks/preview', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const b = body(req);
      const input = inputFromBody(b);
      const def = api.engine.prepare(input);
      await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
      const now = Date.now();
      const fake: StackRow = {
        id: 'None',
        name: String(b.stack_name ?? 'preview'),
        projectId: caller.projectId,
        userId: caller.userId,
        parentId: null,
        parentResource: null,
        rootId: 'None',
        action: 'INIT',
        status: 'COMPLETE',
        statusReason: '',
        template: input.template,
        environment: input.environment as unknown as JsonMap,
        files: input.files,
        params: def.params as JsonMap,
        prev: null,
        disableRollback: boolOf(b.disable_rollback) ?? true,
        timeoutMins: timeoutOf(b) ?? null,
        tags: tagsOf(b) ?? [],
        createdAt: now,
        updatedAt: null,
        deletedAt: null,
      };
      const resources = previewResources({
        template: def.template,
        params: def.params,
        env: input.environment,
        files: input.files,
        registry: api.registry,
        stackName: fake.name,
        projectId: caller.projectId,
        region: api.region,
      });
      const { outputs: _o, ...detail } = stackDetail(req, fake, def.template, []);
      const description = def.template.description || 'No description';
      return { stack: { ...detail, description, template_description: description, resources } };
    }),
  );

  // name or id → stacks/{name}/{id}, keeping the sub-path and the query string.
  const redirect = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply, sub?: string) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const { name } = req.params;
      const s = await api.store.findLive(caller.projectId, name);
      if (!s) throw stackNotFound(name);
      const q = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const rest = sub ? `/${sub}` : '';
      return reply
        .code(302)
        .header('location', `${baseUrl(req, caller.projectId)}/${stackPath(s)}${rest}${q}`)
        .send();
    });
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    app.route<{ Params: P }>({
      method,
      url: '/v1/:tenant/stacks/:name',
      handler: (req, reply) => redirect(req, reply),
    });
  }
  for (const sub of [
    'abandon',
    'snapshots',
    'resources',
    'events',
    'template',
    'environment',
    'files',
    'actions',
    'outputs',
    'preview',
  ]) {
    app.route<{ Params: P }>({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `/v1/:tenant/stacks/:name/${sub}`,
      handler: (req, reply) => redirect(req, reply, sub),
    });
  }

  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const resolve = qs(req, 'resolve_outputs');
      const outputs =
        resolve !== undefined && resolve.toLowerCase() === 'false' ? undefined : await api.engine.outputs(s);
      return { stack: stackDetail(req, s, templateOf(s), outputs as unknown as JsonMap[] | undefined) };
    }),
  );

  const update = (existing: boolean) => async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      if (s.deletedAt !== null) throw stackNotFound(req.params.name);
      const b = body(req);
      const input = existing ? patchedInput(s, b) : inputFromBody(b);
      const def = api.engine.prepare(input);
      await runCustomChecks(api.ctx, caller.token, def.customChecks, api.checkers);
      await api.engine.update(caller, s, input, {
        ...(boolOf(b.disable_rollback) !== undefined
          ? { disableRollback: boolOf(b.disable_rollback) as boolean }
          : {}),
        ...(timeoutOf(b) !== undefined ? { timeoutMins: timeoutOf(b) as number | null } : {}),
        // A full update (PUT) sets the tags it carries, none when it carries none; PATCH keeps them.
        ...(tagsOf(b) !== undefined || !existing ? { tags: tagsOf(b) ?? [] } : {}),
      });
      return reply.code(202).send();
    });
  app.put<{ Params: P }>('/v1/:tenant/stacks/:name/:id', update(false));
  app.patch<{ Params: P }>('/v1/:tenant/stacks/:name/:id', update(true));

  const previewUpdate = (existing: boolean) => async (req: FastifyRequest<{ Params: P }>) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const b = body(req);
      const input = existing ? patchedInput(s, b) : inputFromBody(b);
      const def = api.engine.prepare(input);
      const diff = await api.engine.diff(s, def);
      const rows = new Map((await api.store.resources(s.id)).map((r) => [r.name, r]));
      const view = (name: string) => {
        const r = rows.get(name);
        const t = def.template.resources.get(name);
        return {
          resource_name: name,
          resource_type: t?.type ?? r?.type ?? '',
          resource_identity: {
            stack_name: s.name,
            stack_id: s.id,
            tenant: s.projectId,
            path: `/resources/${name}`,
          },
          resource_action: r?.action ?? 'INIT',
          resource_status: r?.status ?? 'COMPLETE',
          physical_resource_id: r?.physicalId ?? '',
          stack_name: s.name,
        };
      };
      return {
        resource_changes: Object.fromEntries(Object.entries(diff).map(([k, names]) => [k, names.map(view)])),
      };
    });
  app.put<{ Params: P }>('/v1/:tenant/stacks/:name/:id/preview', previewUpdate(false));
  app.patch<{ Params: P }>('/v1/:tenant/stacks/:name/:id/preview', previewUpdate(true));

  app.delete<{ Params: P }>('/v1/:tenant/stacks/:name/:id', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      if (s.deletedAt !== null) throw stackNotFound(req.params.name);
      if (s.parentId !== null)
        throw badRequest('A nested stack is deleted through its parent.', { type: 'NotSupported' });
      await api.engine.delete(caller, s);
      return reply.code(204).send();
    }),
  );

  app.post<{ Params: P }>('/v1/:tenant/stacks/:name/:id/actions', async (req, reply) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const b = body(req);
      const actions = Object.keys(b);
      if (actions.length !== 1) throw badRequest('Multiple actions specified', { type: 'HTTPBadRequest' });
      const action = actions[0] as string;
      switch (action) {
        case 'check':
          await api.engine.check(caller, s);
          break;
        case 'suspend':
          await api.engine.check(caller, s, 'SUSPEND');
          break;
        case 'resume':
          await api.engine.check(caller, s, 'RESUME');
          break;
        case 'cancel_update':
        case 'cancel_without_rollback':
          await api.engine.cancel(s);
          break;
        default:
          throw badRequest(
            `Invalid action ${action}: only check, suspend, resume and cancel_update are supported here.`,
            {
              type: 'HTTPBadRequest',
            },
          );
      }
      return reply.code(200).send();
    }),
  );

  // Abandon/adopt and snapshots are not part of this engine: say so instead of a bare 404.
  const absent = (what: string) => async (req: FastifyRequest<{ Params: P }>) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:write');
      await stackAt(api, caller.projectId, req.params.name, req.params.id);
      throw badRequest(`Stack ${what} is not supported by this engine.`, { type: 'NotSupported' });
    });
  app.delete<{ Params: P }>('/v1/:tenant/stacks/:name/:id/abandon', absent('abandon'));
  app.post<{ Params: P }>('/v1/:tenant/stacks/:name/:id/snapshots', absent('snapshot'));
  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/snapshots', absent('snapshot listing'));

  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/template', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      return (await stackAt(api, caller.projectId, req.params.name, req.params.id)).template;
    }),
  );
  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/environment', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const env = s.environment as unknown as Environment;
      const hidden = new Set((templateOf(s)?.params ?? []).filter((p) => p.hidden).map((p) => p.name));
      const mask = (m: JsonMap) =>
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, hidden.has(k) ? '******' : v]));
      return {
        parameters: mask(env.parameters ?? {}),
        parameter_defaults: mask(env.parameter_defaults ?? {}),
        resource_registry: env.resource_registry ?? {},
        event_sinks: env.event_sinks ?? [],
        encrypted_param_names: env.encrypted_param_names ?? [],
      };
    }),
  );
  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/files', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      return (await stackAt(api, caller.projectId, req.params.name, req.params.id)).files;
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/outputs', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const t = templateOf(s);
      return {
        outputs: [...(t?.outputs.values() ?? [])].map((o) => ({
          output_key: o.name,
          description: o.description,
        })),
      };
    }),
  );
  app.get<{ Params: P }>('/v1/:tenant/stacks/:name/:id/outputs/:key', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const o = (await api.engine.outputs(s)).find((x) => x.output_key === req.params.key);
      if (!o) throw notFound(`Specified output key ${req.params.key} not found.`, { type: 'NotFound' });
      return { output: o };
    }),
  );
}
