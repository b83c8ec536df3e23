// Version discovery and /v3/auth: issue, validate, check and revoke tokens; the catalog and the
// projects/domains a token's user may scope to.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, forbidden, notFound, unauthorized } from '../../platform/errors/catalogue.ts';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { enforce } from '../../platform/policy/policy.ts';
import { authenticate } from '../authenticate.ts';
import { buildCatalog, type CatalogEntryView, scopeCatalog } from '../catalog.ts';
import type { IdentityCore } from '../core.ts';
import { parseAuthRequest } from '../model/auth-request.ts';
import { IDENTITY_POLICY } from '../model/policy.ts';
import { listDomains, listProjects } from '../store/resources.ts';
import { listAssignments } from '../store/roles.ts';
import { groupsOfUser } from '../store/users.ts';
import type { TokenInfo } from '../token-info.ts';
import { qsFlag } from './input.ts';
import { publicBase } from './render.ts';
import { tokenBody } from './token-view.ts';
import { domainView, list, projectView } from './views.ts';

export function versionDoc(req: FastifyRequest) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${publicBase(req)}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function caller(req: FastifyRequest): AuthContext {
  if (!req.auth) throw unauthorized();
  return req.auth;
}

export function authRoutes(app: FastifyInstance, core: IdentityCore): void {
  let catalogMemo: { gen: number; value: Promise<CatalogEntryView[]> } | undefined;
  const catalog = (): Promise<CatalogEntryView[]> => {
    if (catalogMemo?.gen !== core.generation) {
      catalogMemo = { gen: core.generation, value: buildCatalog(core.db) };
    }
    return catalogMemo.value;
  };

  const pub = { config: { public: true } };
  app.get('/', pub, async (req, reply) => reply.code(300).send({ versions: { values: [versionDoc(req)] } }));
  app.get('/v3', pub, async (req) => ({ version: versionDoc(req) }));

  app.post('/v3/auth/tokens', pub, async (req, reply) => {
    const issued = await authenticate(core, parseAuthRequest(req.body));
    const cat = qsFlag(req.query, 'nocatalog') ? undefined : await catalog();
    return reply.code(201).header('x-subject-token', issued.token).send(tokenBody(issued.info, cat));
  });

  /** The subject token of GET/HEAD/DELETE, checked against the caller's rights. */
  const subject = async (req: FastifyRequest, action: string): Promise<TokenInfo & { token: string }> => {
    const token = req.headers['x-subject-token'];
    if (typeof token !== 'string' || token === '') {
      throw new AppError('BAD_REQUEST', 'The X-Subject-Token header is required.');
    }
    const found = await core.lookup(token);
    if (!found) throw notFound('Could not find token.');
    enforce(IDENTITY_POLICY, action, caller(req), { userId: found.info.user.id });
    return { ...found.info, token };
  };

  // Fastify answers HEAD with this handler, minus the body.
  app.get('/v3/auth/tokens', async (req, reply) => {
    const info = await subject(req, 'identity:validate_token');
    const cat = qsFlag(req.query, 'nocatalog') ? undefined : await catalog();
    return reply.header('x-subject-token', info.token).send(tokenBody(info, cat));
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const info = await subject(req, 'identity:revoke_token');
    await core.write(async (_q, revoke) => {
      await revoke({ auditId: info.payload.auditIds[0]!, issuedBefore: core.now() });
    });
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (req) => {
    const auth = caller(req);
    if (!auth.projectId && !auth.domainId && !auth.system) {
      throw forbidden('The service catalog needs a scoped token.');
    }
    return {
      catalog: scopeCatalog(await catalog(), auth.projectId),
      links: { self: `${publicBase(req)}/v3/auth/catalog` },
    };
  });

  const targetsOf = async (auth: AuthContext, type: 'project' | 'domain' | 'system') => {
    const groupIds = (await groupsOfUser(core.db, auth.userId)).map((g) => g.id);
    const held = await listAssignments(core.db, { actorIds: [auth.userId, ...groupIds], targetType: type });
    return [...new Set(held.map((a) => a.targetId))];
  };

  app.get('/v3/auth/projects', async (req) => {
    const ids = await targetsOf(caller(req), 'project');
    const projects = await listProjects(core.db, { ids, enabled: true });
    return list(
      req,
      'projects',
      projects.map((p) => projectView(req, p)),
    );
  });

  app.get('/v3/auth/domains', async (req) => {
    const ids = new Set(await targetsOf(caller(req), 'domain'));
    const domains = (await listDomains(core.db, { enabled: true })).filter((d) => ids.has(d.id));
    return list(
      req,
      'domains',
      domains.map((d) => domainView(req, d)),
    );
  });

  app.get('/v3/auth/system', async (req) => {
    const held = await targetsOf(caller(req), 'system');
    const system = held.length > 0 ? [{ all: true }] : [];
    return { system, links: { self: `${publicBase(req)}/v3/auth/system` } };
  });
}
