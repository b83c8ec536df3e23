// The metadata service's one route: any path, answered for the instance whose fixed IP sent the request
// (found through this service's record of the server's ports), from model/metadata-paths.ts. No token
// (instances have none); webob-style plain-text 404s, as nova-metadata-api answers.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { instanceFacts } from '../model/instance-facts.ts';
import { resolveMetadata } from '../model/metadata-paths.ts';
import type { Server } from '../model/server.ts';
import type { ServerStore } from '../store/servers.ts';

const NOT_FOUND = '404 Not Found\n\nThe resource could not be found.\n';

/** The requester's address: the TCP peer, or with useForwardedFor (behind a proxy) X-Forwarded-For's first. */
export function sourceAddress(req: FastifyRequest, useForwardedFor: boolean): string {
  const fwd = req.headers['x-forwarded-for'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
  const addr = useForwardedFor && first ? first : (req.socket.remoteAddress ?? '');
  return addr.replace(/^::ffff:/, '');
}

/** The live server holding a port with this fixed IP. */
export async function serverAt(servers: ServerStore, ip: string): Promise<Server | undefined> {
  return (await servers.list(undefined)).find(
    (s) => s.task_state !== 'deleting' && s.ports.some((p) => p.ips.some((a) => a.addr === ip)),
  );
}

export function metadataRoutes(app: FastifyInstance, servers: ServerStore, useForwardedFor: boolean): void {
  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    const server = await serverAt(servers, sourceAddress(req, useForwardedFor));
    if (!server) return reply.code(404).type('text/plain; charset=UTF-8').send(NOT_FOUND);
    const r = resolveMetadata(instanceFacts(server, randomBytes(512).toString('base64')), req.url);
    const type = r.contentType === 'application/json' ? 'application/json' : 'text/plain; charset=UTF-8';
    return reply.code(r.status).type(type).send(r.body);
  };
  app.get('/', { config: { public: true } }, answer);
  app.get('/*', { config: { public: true } }, answer);
}
