// Node traits (1.37) and node history (1.78, served from the event log: every transition is an entry).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/catalogue.ts';
import type { Event } from '../../platform/events/event-log.ts';
import { invalid, notAcceptable, notFound } from '../model/errors.ts';
import { checkTrait } from '../model/node-input.ts';
import { NODE_EVENT_TYPE } from '../worker/node-task.ts';
import { authOf, enforce, findNode, input, minorOf, objectBody } from './common.ts';
import type { ApiContext } from './context.ts';
import { links } from './views.ts';

const MAX_TRAITS = 50;

function needs(req: FastifyRequest, minor: number, what: string) {
  if (minorOf(req) < minor) throw notAcceptable(`${what} needs API version 1.${minor}.`);
}

/** A history entry's UUID is derived from the event's id, so `history get` finds it again. */
const historyUuid = (id: number) => `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;
const eventIdOf = (uuid: string) =>
  /^00000000-0000-4000-8000-([0-9a-f]{12})$/.exec(uuid) ? Number.parseInt(uuid.slice(24), 16) : -1;

function historyEntry(req: FastifyRequest, nodeUuid: string, e: Event, detail: boolean) {
  const kind = String(e.details.kind ?? 'provision');
  const severity = e.details.severity === 'ERROR' ? 'ERROR' : 'INFO';
  const event =
    kind === 'provision'
      ? `${e.from ?? ''} -> ${e.to} (${String(e.details.event ?? e.reason)})${severity === 'ERROR' ? `: ${e.reason}` : ''}`
      : `${kind}: ${e.to}${e.reason ? ` (${e.reason})` : ''}`;
  const uuid = historyUuid(e.id);
  const base = { uuid, created_at: new Date(e.endedAt).toISOString(), severity, event };
  if (!detail) return { ...base, links: links(req, `nodes/${nodeUuid}/history/${uuid}`) };
  return {
    ...base,
    event_type: kind === 'provision' ? 'provisioning' : kind,
    conductor: e.details.conductor ?? null,
    user: e.details.user ?? null,
    duration_ms: e.durationMs,
    links: links(req, `nodes/${nodeUuid}/history/${uuid}`),
  };
}

export function nodeExtraRoutes(app: FastifyInstance, api: ApiContext) {
  const ident = (req: FastifyRequest) => (req.params as { ident: string }).ident;

  app.get('/v1/nodes/:ident/traits', async (req) => {
    needs(req, 37, 'Traits');
    const n = await findNode(api, req, ident(req));
    return { traits: n.traits };
  });

  const setTraits = async (req: FastifyRequest, change: (traits: string[]) => string[]) => {
    // Before 1.37 Ironic has no traits sub-resource: PUT answers 405 and DELETE 404 (its router's answers).
    if (minorOf(req) < 37) {
      if (req.method === 'PUT')
        throw new AppError('METHOD_NOT_ALLOWED', 'Traits need API version 1.37.', {
          type: 'MethodNotAllowed',
        });
      throw notFound('Node', `${ident(req)} traits (API version 1.37)`, 'NotFound');
    }
    const found = await findNode(api, req, ident(req));
    enforce(req, 'node:traits:set', found);
    await api.conductor.exclusive(api.ctx, found.uuid, 'traits', authOf(req).userId, (task) =>
      task.update((n) => {
        const next = [...new Set(change(n.traits))];
        if (next.length > MAX_TRAITS) throw invalid(`A node can have at most ${MAX_TRAITS} traits.`);
        n.traits = next;
      }),
    );
  };

  app.put('/v1/nodes/:ident/traits', async (req, reply) => {
    const body = objectBody(req);
    if (!Array.isArray(body.traits)) throw invalid('The body must be {"traits": [...]}.');
    const traits = input(() => (body.traits as unknown[]).map(checkTrait));
    await setTraits(req, () => traits);
    return reply.code(204).send();
  });
  app.put('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const trait = input(() => checkTrait((req.params as { trait: string }).trait));
    await setTraits(req, (t) => [...t, trait]);
    return reply.code(204).send();
  });
  app.delete('/v1/nodes/:ident/traits', async (req, reply) => {
    await setTraits(req, () => []);
    return reply.code(204).send();
  });
  app.delete('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const trait = (req.params as { trait: string }).trait;
    await setTraits(req, (t) => {
      if (!t.includes(trait)) throw notFound('Trait', `${trait} of node ${ident(req)}`, 'NodeTraitNotFound');
      return t.filter((x) => x !== trait);
    });
    return reply.code(204).send();
  });

  app.get('/v1/nodes/:ident/history', async (req) => {
    needs(req, 78, 'Node history');
    const n = await findNode(api, req, ident(req));
    const detail = String((req.query as { detail?: string }).detail ?? '').toLowerCase() === 'true';
    const events = await api.events.list(NODE_EVENT_TYPE, n.uuid);
    return { history: events.map((e) => historyEntry(req, n.uuid, e, detail)) };
  });

  app.get('/v1/nodes/:ident/history/:event', async (req) => {
    needs(req, 78, 'Node history');
    const n = await findNode(api, req, ident(req));
    const id = eventIdOf((req.params as { event: string }).event);
    const e =
      id < 0 ? undefined : (await api.events.list(NODE_EVENT_TYPE, n.uuid, id - 1)).find((x) => x.id === id);
    if (!e)
      throw notFound('Node history record', (req.params as { event: string }).event, 'NodeHistoryNotFound');
    return historyEntry(req, n.uuid, e, true);
  });
}
