// POST /v3/auth/tokens: checks who the caller is and what scope it may have, and issues the token.
// Every failure to authenticate answers the same 401 message, after the same KDF work, so nothing tells
// an unknown user from a wrong password or a locked account.
import type { Queryable } from '../platform/db/types.ts';
import { badRequest, unauthorized } from '../platform/errors/catalogue.ts';
import type { IdentityCore } from './core.ts';
import type { AuthRequest, NamedRef, ScopeRequest } from './model/auth-request.ts';
import { burnVerify, MAX_PASSWORD_LENGTH, verifySecret } from './model/password.ts';
import { isLocked, isStale, recordFailure, throttleKey } from './model/throttle.ts';
import type { AuthMethod, TokenPayload, TokenScope } from './model/token.ts';
import type { Domain, User } from './model/types.ts';
import { getAppCred, getAppCredByName } from './store/credentials.ts';
import { getDomain, getDomainByName, getProject, getProjectByName } from './store/resources.ts';
import { listAssignments } from './store/roles.ts';
import { getPasswordHash, getUser, getUserByName } from './store/users.ts';
import type { TokenInfo } from './token-info.ts';

export const AUTH_FAILED = 'The request you have made requires authentication.';

export interface Issued {
  token: string;
  info: TokenInfo;
}

async function findDomain(q: Queryable, ref: { id?: string; name?: string }): Promise<Domain | undefined> {
  return ref.id ? getDomain(q, ref.id) : getDomainByName(q, ref.name ?? '');
}

async function findUser(q: Queryable, ref: NamedRef): Promise<User | undefined> {
  if (ref.id) return getUser(q, ref.id);
  const domain = ref.domain && (await findDomain(q, ref.domain));
  return domain ? getUserByName(q, domain.id, ref.name ?? '') : undefined;
}

function keyOf(ref: NamedRef): string {
  return throttleKey({ id: ref.id, name: ref.name, domainId: ref.domain?.id, domainName: ref.domain?.name });
}

/** Runs a secret check under the per-user throttle. */
export async function checkSecret(
  core: IdentityCore,
  keys: string[],
  check: () => Promise<boolean>,
): Promise<boolean> {
  const now = core.now();
  const p = core.settings.throttle;
  const locked = keys.some((k) => isLocked(core.throttle.get(k), now));
  const ok = locked ? await burnVerify(core.settings.hashCost) : await check();
  if (ok) {
    for (const k of keys) core.throttle.delete(k);
    return true;
  }
  for (const k of keys) core.throttle.set(k, recordFailure(core.throttle.get(k), now, p));
  // Keep the map bounded: drop records that no longer matter.
  if (core.throttle.size > 10_000) {
    for (const [k, s] of core.throttle) if (isStale(s, now, p)) core.throttle.delete(k);
  }
  return false;
}

async function passwordUser(core: IdentityCore, ref: NamedRef, password: string): Promise<User> {
  if (password.length > MAX_PASSWORD_LENGTH) throw badRequest('The password is too long.');
  const user = await findUser(core.db, ref);
  const hash = user && (await getPasswordHash(core.db, user.id));
  const keys = user ? [keyOf(ref), `id:${user.id}`] : [keyOf(ref)];
  const ok = await checkSecret(core, keys, () =>
    hash ? verifySecret(password, hash) : burnVerify(core.settings.hashCost),
  );
  if (!ok || !user) throw unauthorized(AUTH_FAILED);
  return user;
}

async function findProjectId(q: Queryable, ref: NamedRef): Promise<string> {
  let project = ref.id ? await getProject(q, ref.id) : undefined;
  if (!ref.id) {
    const domain = ref.domain && (await findDomain(q, ref.domain));
    project = domain && (await getProjectByName(q, domain.id, ref.name ?? ''));
  }
  if (!project) throw unauthorized(AUTH_FAILED);
  return project.id;
}

async function resolveScope(core: IdentityCore, user: User, scope: ScopeRequest): Promise<TokenScope> {
  const q = core.db;
  switch (scope.kind) {
    case 'project':
      return { kind: 'project', id: await findProjectId(q, scope.project) };
    case 'domain': {
      const domain = await findDomain(q, scope.domain);
      if (!domain) throw unauthorized(AUTH_FAILED);
      return { kind: 'domain', id: domain.id };
    }
    case 'system':
      return { kind: 'system' };
    case 'unscoped': {
      // Like keystone: a user with a default project gets a token scoped to it, when it holds a role there.
      if (!user.defaultProjectId) return { kind: 'unscoped' };
      const held = await listAssignments(q, {
        actorType: 'user',
        actorIds: [user.id],
        targetType: 'project',
        targetId: user.defaultProjectId,
      });
      return held.length > 0 ? { kind: 'project', id: user.defaultProjectId } : { kind: 'unscoped' };
    }
  }
}

export async function authenticate(core: IdentityCore, req: AuthRequest): Promise<Issued> {
  const now = core.now();
  const lifetime = core.settings.tokenExpirationSeconds * 1000;
  const id = req.identity;
  let payload: TokenPayload;
  if (id.method === 'password') {
    const user = await passwordUser(core, id.user, id.password);
    const scope = await resolveScope(core, user, req.scope);
    payload = base(core, user.id, ['password'], scope, now, now + lifetime);
  } else if (id.method === 'token') {
    const prior = await core.open(id.tokenId);
    if (!prior || prior.appCredId) throw unauthorized(AUTH_FAILED);
    const user = await getUser(core.db, prior.userId);
    if (!user) throw unauthorized(AUTH_FAILED);
    const scope = await resolveScope(core, user, req.scope);
    const methods: AuthMethod[] = [...new Set<AuthMethod>([...prior.methods, 'token'])];
    // A rescoped token expires with the one it came from, and carries its audit chain.
    payload = base(core, user.id, methods, scope, now, prior.expiresAt);
    payload.auditIds.push(prior.auditIds[prior.auditIds.length - 1]!);
  } else {
    const cred = id.id
      ? await getAppCred(core.db, id.id)
      : await findUser(core.db, id.user!).then((u) => u && getAppCredByName(core.db, u.id, id.name!));
    const keys = [id.id ? `cred:${id.id}` : `cred:${keyOf(id.user!)}:${id.name}`];
    const ok = await checkSecret(core, keys, () =>
      cred ? verifySecret(id.secret, cred.secretHash) : burnVerify(core.settings.hashCost),
    );
    if (!ok || !cred || (cred.expiresAt !== null && cred.expiresAt <= now)) throw unauthorized(AUTH_FAILED);
    // An application credential is bound to its project: a request may only repeat that scope.
    if (req.scope.kind !== 'unscoped') {
      const asked =
        req.scope.kind === 'project' ? await findProjectId(core.db, req.scope.project) : undefined;
      if (asked !== cred.projectId) throw unauthorized(AUTH_FAILED);
    }
    const expires = Math.min(now + lifetime, cred.expiresAt ?? Number.MAX_SAFE_INTEGER);
    payload = base(
      core,
      cred.userId,
      ['application_credential'],
      { kind: 'project', id: cred.projectId },
      now,
      expires,
    );
    payload.appCredId = cred.id;
  }
  const info = await core.info(payload);
  if (!info) throw unauthorized(AUTH_FAILED);
  return { token: core.issue(payload), info };
}

function base(
  core: IdentityCore,
  userId: string,
  methods: AuthMethod[],
  scope: TokenScope,
  now: number,
  expiresAt: number,
): TokenPayload {
  return { userId, methods, scope, issuedAt: now, expiresAt, auditIds: [core.newAuditId()] };
}
