// Version discovery (GET / and GET /v1, no token) and the microversion check of every other request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, notAcceptable } from '../model/errors.ts';
import { MAX_VERSION, MIN_VERSION, parseVersion, versionString } from '../model/microversion.ts';
import { header, versionHeaders } from './render.ts';

export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

const link = (href: string, rel: string) => ({ href, rel });

function versionDoc(req: FastifyRequest) {
  return {
    id: 'v1',
    links: [link(`${baseUrl(req)}/v1/`, 'self')],
    status: 'CURRENT',
    min_version: versionString(MIN_VERSION),
    version: versionString(MAX_VERSION),
  };
}

const RESOURCES = ['nodes', 'ports', 'portgroups', 'drivers', 'chassis', 'conductors', 'allocations'];

/** Ironic's root serves a path that does not start with a version as its default version (v1): tempest's
 * client asks for `/ports/detail?address=` and `/drivers/<name>/properties` that way. */
export function defaultVersionUrl(url: string): string {
  const first = url.split(/[/?]/)[1] ?? '';
  // `/boot` is not an API path: the network-boot files nodes fetch without a version or a token.
  return first === '' || first === 'v1' || first === 'boot' ? url : `/v1${url}`;
}

export function registerDiscovery(app: FastifyInstance) {
  // ironicclient sends DELETE and body-less PUTs as application/octet-stream with nothing in them.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => {
    if ((body as Buffer).length === 0) done(null, undefined);
    else done(invalid('Expected a JSON body (Content-Type: application/json).'), undefined);
  });
  app.addHook('onRequest', async (req) => {
    const p = parseVersion(
      header(req, 'x-openstack-ironic-api-version'),
      header(req, 'openstack-api-version'),
    );
    if (!p.ok) throw p.status === 406 ? notAcceptable(p.reason) : invalid(p.reason);
    req.ironicMinor = p.minor;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.headers(versionHeaders(req));
    return payload;
  });
  app.get('/', { config: { public: true } }, async (req) => {
    const v = versionDoc(req);
    return {
      name: 'OpenStack Ironic API',
      description:
        'Ironic is an OpenStack project which aims to provision baremetal machines. This is the tripleo-ts ' +
        'implementation of its v1 API.',
      default_version: v,
      versions: [v],
    };
  });
  app.get('/v1', { config: { public: true } }, async (req) => {
    const base = baseUrl(req);
    return {
      id: 'v1',
      links: [link(`${base}/v1/`, 'self')],
      media_types: { base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' },
      version: versionDoc(req),
      ...Object.fromEntries(
        RESOURCES.map((r) => [r, [link(`${base}/v1/${r}/`, 'self'), link(`${base}/${r}/`, 'bookmark')]]),
      ),
    };
  });
}
