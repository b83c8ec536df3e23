// Heat v1 resources (list with nested_depth and filters, show, metadata, signal, mark unhealthy) and
// events (list with marker/limit/sort_dir/filters/nested_depth, per resource, show).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../platform/errors/catalogue.ts';
import { requiredBy } from '../model/graph.ts';
import { parseTemplate } from '../model/template.ts';
import { isMap, type JsonMap } from '../model/template-format.ts';
import type { EventRow, ResourceRow, StackRow } from '../store/stacks.ts';
import { deliveredMetadata } from '../worker/delivered-metadata.ts';
import { recordSignal } from '../worker/signals.ts';
import { callerOf, type OrchestrationApi, qs, qsAll, stackAt } from './deps.ts';
import { heat } from './render.ts';
import { stackUserResource } from './stack-user-access.ts';
import { eventView, resourceView } from './views.ts';

type P = { tenant: string; name: string; id: string; res: string; event: string };

function requiredByOf(s: StackRow): Map<string, string[]> {
  try {
    return requiredBy(parseTemplate(s.template).deps);
  } catch {
    return new Map();
  }
}

function depthOf(req: FastifyRequest): number {
  const d = qs(req, 'nested_depth');
  if (d === undefined) return 0;
  const n = Number(d);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid nested_depth ${d}.`);
  return Math.min(n, 10);
}

/** The stack and its descendants down to `depth`, with the parent resource that owns each. */
async function withNested(api: OrchestrationApi, s: StackRow, depth: number): Promise<StackRow[]> {
  const out = [s];
  let frontier = [s];
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: StackRow[] = [];
    for (const f of frontier) next.push(...(await api.store.childStacks(f.id)));
    out.push(...next);
    frontier = next;
  }
  return out;
}

export function registerResources(app: FastifyInstance, api: OrchestrationApi): void {
  const base = '/v1/:tenant/stacks/:name/:id';

  app.get<{ Params: P }>(`${base}/resources`, async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const stacks = await withNested(api, s, depthOf(req));
      const filters: [keyof ResourceRow | 'status' | 'action', string[]][] = [
        ['type', qsAll(req, 'type')],
        ['name', qsAll(req, 'name')],
        ['id', qsAll(req, 'id')],
        ['physicalId', qsAll(req, 'physical_resource_id')],
        ['status', qsAll(req, 'status')],
        ['action', qsAll(req, 'action')],
      ];
      const out: JsonMap[] = [];
      for (const st of stacks) {
        const rb = requiredByOf(st);
        for (const r of await api.store.resources(st.id)) {
          const ok = filters.every(([k, vals]) => {
            if (vals.length === 0) return true;
            if (k === 'status') return vals.some((v) => v === r.status || v === `${r.action}_${r.status}`);
            return vals.includes(String(r[k as keyof ResourceRow]));
          });
          if (!ok) continue;
          const view = resourceView(req, st, r, rb.get(r.name) ?? [], { parentResource: st.parentResource });
          if (qs(req, 'with_detail')?.toLowerCase() === 'true') {
            view.attributes = api.engine.attributesOf(st, r).attributes;
          }
          out.push(view);
        }
      }
      return { resources: out };
    }),
  );

  const resourceOf = async (req: FastifyRequest<{ Params: P }>, action: string) => {
    const caller = callerOf(req, action);
    const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
    const r = await api.store.resource(s.id, req.params.res);
    if (!r)
      throw notFound(`The Resource (${req.params.res}) could not be found.`, { type: 'EntityNotFound' });
    return { s, r };
  };

  app.get<{ Params: P }>(`${base}/resources/:res`, async (req) =>
    heat(async () => {
      const { s, r } = await resourceOf(req, 'stacks:read');
      const rb = requiredByOf(s);
      const desc = (() => {
        try {
          return parseTemplate(s.template).resources.get(r.name)?.description ?? '';
        } catch {
          return '';
        }
      })();
      return {
        resource: {
          ...resourceView(req, s, r, rb.get(r.name) ?? [], { parentResource: s.parentResource }),
          attributes: api.engine.attributesOf(s, r).attributes,
          description: desc,
        },
      };
    }),
  );

  app.get<{ Params: P }>(`${base}/resources/:res/metadata`, async (req) =>
    heat(async () => {
      // The server's own stack user (POLL_SERVER_HEAT) reads its metadata whole; others need stacks:read.
      const own = await stackUserResource(api, req);
      const { r } = own ?? (await resourceOf(req, 'stacks:read'));
      return { metadata: await deliveredMetadata(api.store, r, { maskSecrets: !own }) };
    }),
  );

  app.post<{ Params: P }>(`${base}/resources/:res/signal`, async (req, reply) =>
    heat(async () => {
      const { s, r } = await resourceOf(req, 'stacks:write');
      await recordSignal(api.store, api.registry, s, r, (req.body ?? {}) as JsonMap);
      return reply.code(200).send();
    }),
  );

  app.patch<{ Params: P }>(`${base}/resources/:res`, async (req, reply) =>
    heat(async () => {
      const { s, r } = await resourceOf(req, 'stacks:write');
      const b = isMap(req.body) ? req.body : {};
      if (!('mark_unhealthy' in b))
        throw badRequest('Only mark_unhealthy is supported.', { type: 'HTTPBadRequest' });
      const mark = b.mark_unhealthy === true || String(b.mark_unhealthy).toLowerCase() === 'true';
      const reason = typeof b.resource_status_reason === 'string' ? b.resource_status_reason : '';
      if (s.status === 'IN_PROGRESS') throw badRequest('The stack is busy.', { type: 'ActionInProgress' });
      if (mark) {
        await api.engine.markUnhealthy(s, r, reason);
      } else if (r.action === 'CHECK' && r.status === 'FAILED') {
        await api.engine.markHealthy(s, r, reason);
      }
      return reply.code(200).send();
    }),
  );

  // ---- events

  const listEvents = async (req: FastifyRequest<{ Params: P }>, resourceName?: string) => {
    const caller = callerOf(req, 'stacks:read');
    const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
    const depth = depthOf(req);
    const stacks = await withNested(api, s, depth);
    const byId = new Map(stacks.map((x) => [x.id, x]));
    const desc = qs(req, 'sort_dir') === 'desc';
    const marker = qs(req, 'marker');
    let markerSeq: number | undefined;
    if (marker) {
      const m = await api.store.event(marker);
      if (!m) throw notFound(`The Event (${marker}) could not be found.`, { type: 'EntityNotFound' });
      markerSeq = m.seq;
    }
    let events: EventRow[] = await api.store.events([...byId.keys()], {
      ...(markerSeq !== undefined ? { markerSeq } : {}),
      desc,
      ...(resourceName !== undefined ? { resourceName } : {}),
    });
    const f = (key: string) => qsAll(req, key);
    const actions = f('resource_action');
    const statuses = f('resource_status');
    const names = f('resource_name');
    const types = f('resource_type');
    events = events.filter(
      (e) =>
        (actions.length === 0 || actions.includes(e.action)) &&
        (statuses.length === 0 ||
          statuses.includes(e.status) ||
          statuses.includes(`${e.action}_${e.status}`)) &&
        (names.length === 0 || names.includes(e.resourceName)) &&
        (types.length === 0 || types.includes(e.resourceType)),
    );
    const limit = qs(req, 'limit');
    if (limit !== undefined) events = events.slice(0, Math.max(0, Number(limit)));
    return {
      events: events.map((e) => eventView(req, byId.get(e.stackId) ?? s, e, depth > 0 ? s : undefined)),
    };
  };

  app.get<{ Params: P }>(`${base}/events`, async (req) => heat(() => listEvents(req)));
  app.get<{ Params: P }>(`${base}/resources/:res/events`, async (req) =>
    heat(() => listEvents(req, req.params.res)),
  );
  app.get<{ Params: P }>(`${base}/resources/:res/events/:event`, async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const s = await stackAt(api, caller.projectId, req.params.name, req.params.id);
      const e = await api.store.event(req.params.event);
      if (!e || e.stackId !== s.id || e.resourceName !== req.params.res) {
        throw notFound(`The Event (${req.params.event}) could not be found.`, { type: 'EntityNotFound' });
      }
      return { event: eventView(req, s, e) };
    }),
  );
}
