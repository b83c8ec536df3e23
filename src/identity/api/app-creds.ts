// /v3/users/{id}/application_credentials: a user delegates a subset of its roles on the project of its
// token to a credential that authenticates with a secret, shown once at creation and stored hashed.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden } from '../../platform/errors/catalogue.ts';
import type { IdentityCore } from '../core.ts';
import { hashSecret, MAX_PASSWORD_LENGTH } from '../model/password.ts';
import { expandImplied } from '../model/roles.ts';
import { parseExpiry } from '../model/time.ts';
import type { AppCredential } from '../model/types.ts';
import { createAppCred, deleteAppCred, getAppCred, listAppCreds } from '../store/credentials.ts';
import { getRoleByName, listImplications, rolesByIds } from '../store/roles.ts';
import { newId } from '../store/sql.ts';
import { getUser } from '../store/users.ts';
import { effectiveRoles } from '../token-info.ts';
import { caller } from './auth.ts';
import { allow, type IdParams, must } from './common.ts';
import { bool, entity, isObj, name, qs, text } from './input.ts';
import { appCredView, list } from './views.ts';

function expiry(v: unknown, now: number): { ms: number; text: string } | null {
  if (v === undefined || v === null) return null;
  const parsed = typeof v === 'string' ? parseExpiry(v) : undefined;
  if (!parsed)
    throw badRequest("Invalid input for field 'application_credential.expires_at': an ISO 8601 time.");
  if (parsed.ms <= now)
    throw badRequest("Invalid input for field 'application_credential.expires_at': in the past.");
  return parsed;
}

export function appCredRoutes(app: FastifyInstance, core: IdentityCore): void {
  const view = async (req: Parameters<typeof appCredView>[0], c: AppCredential) =>
    appCredView(req, c, await rolesByIds(core.db, c.roleIds));

  app.post<{ Params: IdParams }>('/v3/users/:id/application_credentials', async (req, reply) => {
    allow(req, 'identity:manage_application_credential', { userId: req.params.id });
    const auth = caller(req);
    if (auth.userId !== req.params.id)
      throw forbidden('Application credentials are created by their own user.');
    if (!auth.projectId) throw forbidden('Creating an application credential needs a project-scoped token.');
    // A restricted credential must not mint others (keystone's rule against privilege chaining).
    const payload = await core.open(auth.tokenId);
    if (payload?.appCredId) {
      const parent = await getAppCred(core.db, payload.appCredId);
      if (!parent?.unrestricted)
        throw forbidden('A restricted application credential cannot create another.');
    }
    const c = entity(req.body, 'application_credential');
    const where = 'application_credential';
    const secretIn = c.secret;
    if (secretIn !== undefined && secretIn !== null) {
      if (typeof secretIn !== 'string' || secretIn.length === 0 || secretIn.length > MAX_PASSWORD_LENGTH) {
        throw badRequest(`Invalid input for field '${where}.secret': expected a non-empty string.`);
      }
    }
    const secret = typeof secretIn === 'string' ? secretIn : randomBytes(48).toString('base64url');
    const held = await effectiveRoles(core.db, auth.userId, { type: 'project', id: auth.projectId });
    let roleIds = [...held];
    if (c.roles !== undefined && c.roles !== null) {
      if (!Array.isArray(c.roles) || !c.roles.every(isObj)) {
        throw badRequest(`Invalid input for field '${where}.roles': expected a list of {id} or {name}.`);
      }
      roleIds = [];
      for (const r of c.roles) {
        const role =
          typeof r.id === 'string'
            ? { id: r.id }
            : typeof r.name === 'string'
              ? await getRoleByName(core.db, r.name)
              : undefined;
        if (!role || !held.has(role.id))
          throw forbidden('An application credential can only carry roles its user holds.');
        roleIds.push(role.id);
      }
    }
    // Store only the roles asked for; implied ones follow at authentication.
    const implied = expandImplied(roleIds, await listImplications(core.db));
    if (implied.size === 0) throw forbidden('The user holds no role on this project.');
    const expires = expiry(c.expires_at, core.now());
    const cred: AppCredential = {
      id: newId(),
      userId: auth.userId,
      projectId: auth.projectId,
      name: name(c, 'name', where, true),
      description: text(c, 'description', where) ?? '',
      roleIds: [...new Set(roleIds)],
      expiresAt: expires?.ms ?? null,
      expiresText: expires?.text ?? null,
      unrestricted: bool(c, 'unrestricted', where) ?? false,
      secretHash: await hashSecret(secret, core.settings.hashCost),
    };
    await core.write((q) => createAppCred(q, cred, core.now()));
    return reply.code(201).send({ application_credential: { ...(await view(req, cred)), secret } });
  });

  app.get<{ Params: IdParams }>('/v3/users/:id/application_credentials', async (req) => {
    allow(req, 'identity:manage_application_credential', { userId: req.params.id });
    must(await getUser(core.db, req.params.id), 'user', req.params.id);
    const creds = await listAppCreds(core.db, req.params.id, qs(req.query, 'name'));
    const out = [];
    for (const c of creds) out.push(await view(req, c));
    return list(req, 'application_credentials', out);
  });

  type One = { Params: { id: string; credId: string } };
  const find = async (userId: string, credId: string) => {
    const cred = await getAppCred(core.db, credId);
    return must(cred && cred.userId === userId ? cred : undefined, 'application credential', credId);
  };
  app.get<One>('/v3/users/:id/application_credentials/:credId', async (req) => {
    allow(req, 'identity:manage_application_credential', { userId: req.params.id });
    return { application_credential: await view(req, await find(req.params.id, req.params.credId)) };
  });
  app.delete<One>('/v3/users/:id/application_credentials/:credId', async (req, reply) => {
    allow(req, 'identity:manage_application_credential', { userId: req.params.id });
    const cred = await find(req.params.id, req.params.credId);
    await core.write(async (q, revoke) => {
      await deleteAppCred(q, cred.id);
      await revoke({ appCredId: cred.id, issuedBefore: core.now() });
    });
    return reply.code(204).send();
  });
}
