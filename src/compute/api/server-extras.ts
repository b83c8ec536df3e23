// A server's tags (from 2.26), metadata, and instance actions with their events (os-instance-actions).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest, notFound } from '../../platform/errors/catalogue.ts';
import { hostIdOf, type Server } from '../model/server.ts';
import { parseMetadata, parseTag } from '../model/server-input.ts';
import type { InstanceAction } from '../store/servers.ts';
import { bodyOf, can, enforce, since } from './common.ts';
import { type ServerApiDeps, visibleServer } from './servers.ts';

const MAX_TAGS = 50;

export function serverExtraRoutes(app: FastifyInstance, d: ServerApiDeps): void {
  const tagsServed = (req: FastifyRequest) => {
    if (!since(req, 26)) throw notFound('The resource could not be found.');
  };
  const change = async (req: FastifyRequest, id: string, policy: string, fn: (s: Server) => void) => {
    const found = await visibleServer(req, d.servers, id);
    enforce(req, policy, { projectId: found.project_id });
    return d.servers.mutate(found.id, (s) => {
      fn(s);
      return true;
    });
  };
  const metadataLimit = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    const max = (await d.quotas.limits(s.project_id)).metadata_items ?? -1;
    return (meta: Record<string, string>) => {
      if (max !== -1 && Object.keys(meta).length > max)
        throw new AppError('FORBIDDEN', `Quota exceeded for metadata_items. Maximum allowed is ${max}`);
      return meta;
    };
  };

  // --- tags ---
  type P = { Params: { id: string; tag: string } };
  app.get<P>('/servers/:id/tags', async (req) => {
    tagsServed(req);
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'server_tags:index', { projectId: s.project_id });
    return { tags: s.tags };
  });
  app.get<P>('/servers/:id/tags/:tag', async (req, reply) => {
    tagsServed(req);
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'server_tags:index', { projectId: s.project_id });
    if (!s.tags.includes(req.params.tag)) throw notFound(`Tag ${req.params.tag} could not be found.`);
    return reply.code(204).send();
  });
  app.put<P>('/servers/:id/tags', async (req) => {
    tagsServed(req);
    const tags = (req.body as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(tags))
      throw badRequest("Invalid input for field/attribute tags. 'tags' is a required property");
    const list = [...new Set(tags.map(parseTag))];
    if (list.length > MAX_TAGS)
      throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    const s = await change(req, req.params.id, 'server_tags:update', (x) => {
      x.tags = list;
    });
    return { tags: s.tags };
  });
  app.put<P>('/servers/:id/tags/:tag', async (req, reply) => {
    tagsServed(req);
    const tag = parseTag(req.params.tag);
    let added = false;
    await change(req, req.params.id, 'server_tags:update', (x) => {
      added = !x.tags.includes(tag);
      if (added) {
        if (x.tags.length >= MAX_TAGS)
          throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
        x.tags = [...x.tags, tag];
      }
    });
    reply.header('location', `${req.protocol}://${req.headers.host}${req.url}`);
    return reply.code(added ? 201 : 204).send();
  });
  app.delete<P>('/servers/:id/tags', async (req, reply) => {
    tagsServed(req);
    await change(req, req.params.id, 'server_tags:update', (x) => {
      x.tags = [];
    });
    return reply.code(204).send();
  });
  app.delete<P>('/servers/:id/tags/:tag', async (req, reply) => {
    tagsServed(req);
    await change(req, req.params.id, 'server_tags:update', (x) => {
      if (!x.tags.includes(req.params.tag)) throw notFound(`Tag ${req.params.tag} could not be found.`);
      x.tags = x.tags.filter((t) => t !== req.params.tag);
    });
    return reply.code(204).send();
  });

  // --- metadata ---
  type M = { Params: { id: string; key: string } };
  app.get<M>('/servers/:id/metadata', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'server_metadata:index', { projectId: s.project_id });
    return { metadata: s.metadata };
  });
  const setAll = (replace: boolean) => async (req: FastifyRequest<M>) => {
    const meta = parseMetadata('metadata', bodyOf(req, 'metadata'));
    const within = await metadataLimit(req);
    const s = await change(req, req.params.id, 'server_metadata:update', (x) => {
      x.metadata = within(replace ? meta : { ...x.metadata, ...meta });
    });
    return { metadata: s.metadata };
  };
  app.post<M>('/servers/:id/metadata', setAll(false));
  app.put<M>('/servers/:id/metadata', setAll(true));
  app.get<M>('/servers/:id/metadata/:key', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'server_metadata:index', { projectId: s.project_id });
    const v = s.metadata[req.params.key];
    if (v === undefined) throw notFound('Metadata item was not found');
    return { meta: { [req.params.key]: v } };
  });
  app.put<M>('/servers/:id/metadata/:key', async (req) => {
    const meta = parseMetadata('meta', bodyOf(req, 'meta'));
    const keys = Object.keys(meta);
    if (keys.length !== 1) throw badRequest('Request body contains too many items');
    if (keys[0] !== req.params.key) throw badRequest('Request body and URI mismatch');
    const within = await metadataLimit(req);
    await change(req, req.params.id, 'server_metadata:update', (x) => {
      x.metadata = within({ ...x.metadata, ...meta });
    });
    return { meta };
  });
  app.delete<M>('/servers/:id/metadata/:key', async (req, reply) => {
    await change(req, req.params.id, 'server_metadata:update', (x) => {
      if (!(req.params.key in x.metadata)) throw notFound('Metadata item was not found');
      const { [req.params.key]: _, ...rest } = x.metadata;
      x.metadata = rest;
    });
    return reply.code(204).send();
  });

  // --- instance actions ---
  const actionView = (req: FastifyRequest, a: InstanceAction) => {
    const out: Record<string, unknown> = {
      action: a.action,
      instance_uuid: a.instance_uuid,
      message: a.message,
      project_id: a.project_id,
      request_id: a.request_id,
      start_time: a.start_time,
      user_id: a.user_id,
    };
    if (since(req, 58)) out.updated_at = a.updated_at;
    return out;
  };
  app.get<{ Params: { id: string } }>('/servers/:id/os-instance-actions', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'instance_actions:list', { projectId: s.project_id });
    return { instanceActions: (await d.servers.actions(s.id)).map((a) => actionView(req, a)) };
  });
  app.get<{ Params: { id: string; req: string } }>('/servers/:id/os-instance-actions/:req', async (req) => {
    const s = await visibleServer(req, d.servers, req.params.id);
    enforce(req, 'instance_actions:list', { projectId: s.project_id });
    const a = await d.servers.action(s.id, req.params.req);
    if (!a) throw notFound(`Action for request_id ${req.params.req} on instance ${s.id} not found`);
    const details = can(req, 'instance_actions:events:details');
    const out = actionView(req, a);
    // Events: admins always, others from 2.51 (without tracebacks).
    if (details || since(req, 51))
      out.events = a.events.map((e) => {
        const ev: Record<string, unknown> = {
          event: e.event,
          start_time: e.start_time,
          finish_time: e.finish_time,
          result: e.result,
        };
        if (details) ev.traceback = e.traceback;
        if (since(req, 62)) {
          ev.hostId = hostIdOf(s.project_id, e.host);
          if (details) ev.host = e.host;
        }
        return ev;
      });
    return { instanceAction: out };
  });
}
