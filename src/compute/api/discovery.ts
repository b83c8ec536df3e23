// Version discovery (GET / and GET /v2.1) and the microversion each /v2.1 request runs at: negotiated
// from its headers, echoed in every reply with Vary, 400 for a malformed one and 406 out of range.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/catalogue.ts';
import { MAX_VERSION, MIN_VERSION, negotiate, versionText } from '../model/microversion.ts';
import { baseUrl } from './common.ts';

function v21(req: FastifyRequest) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: versionText(MAX_VERSION),
    min_version: versionText(MIN_VERSION),
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${baseUrl(req)}/v2.1/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

export function registerDiscovery(app: FastifyInstance): void {
  app.get('/', { config: { public: true } }, async (req) => ({ versions: [v21(req)] }));
  app.get('/v2.1', { config: { public: true } }, async (req) => ({ version: v21(req) }));
}

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** Adds microversion negotiation to every route registered in `app` (the /v2.1 scope). */
export function negotiateMicroversions(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const n = negotiate(header(req, 'openstack-api-version'), header(req, 'x-openstack-nova-api-version'));
    if (!n.ok) throw new AppError(n.status === 406 ? 'NOT_ACCEPTABLE' : 'BAD_REQUEST', n.message);
    req.microversion = n.version;
  });
  app.addHook('onSend', async (req, reply) => {
    if (req.microversion) {
      const v = versionText(req.microversion);
      reply.header('openstack-api-version', `compute ${v}`);
      reply.header('x-openstack-nova-api-version', v);
    }
    reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    // Nova's own name for the request id; an instance action records the id of the request that began it.
    reply.header('x-compute-request-id', req.id);
  });
}

/** For routes under /v2.1/{project_id}: the URL's project must be the token's, as Nova checks. */
export function requireOwnProject(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    const inUrl = (req.params as { project_id?: string }).project_id;
    const own = req.auth?.projectId;
    if (inUrl !== undefined && inUrl !== own)
      throw new AppError(
        'BAD_REQUEST',
        `Malformed request URL: URL's project_id '${inUrl}' doesn't match Context's project_id '${own ?? ''}'`,
      );
  });
}
