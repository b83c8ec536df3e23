// GET /v1/nodes/{node}/events (an extension, 1.78): the node's event log as structured records, what the
// history API renders as sentences. `ooo node timeline` and the dashboard build the deploy timeline from
// it: each record says what moved (kind, from, to), when the step began and ended, and its details.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notAcceptable } from '../model/errors.ts';
import { NODE_EVENT_TYPE } from '../worker/node-task.ts';
import { findNode, minorOf } from './common.ts';
import type { ApiContext } from './context.ts';

export function nodeEventRoutes(app: FastifyInstance, api: ApiContext) {
  app.get('/v1/nodes/:ident/events', async (req: FastifyRequest) => {
    if (minorOf(req) < 78) throw notAcceptable('Node events need API version 1.78.');
    const n = await findNode(api, req, (req.params as { ident: string }).ident);
    const events = await api.events.list(NODE_EVENT_TYPE, n.uuid);
    return {
      node_uuid: n.uuid,
      events: events.map((e) => ({
        id: e.id,
        kind: String(e.details.kind ?? 'provision'),
        from: e.from,
        to: e.to,
        reason: e.reason,
        started_at: new Date(e.startedAt).toISOString(),
        ended_at: new Date(e.endedAt).toISOString(),
        duration_ms: e.durationMs,
        details: e.details,
      })),
    };
  });
}
