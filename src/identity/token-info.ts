// What a token stands for right now: its user, scope and effective roles, read from the store (read-only).
// A token whose user, domain or project is gone or disabled, or which holds no role on its scope, is not
// valid, whatever its expiry says.
import type { Queryable } from '../platform/db/types.ts';
import { effectiveRoleIds, expandImplied } from './model/roles.ts';
import type { TokenPayload } from './model/token.ts';
import type { AppCredential, Domain, Project, Role, User } from './model/types.ts';
import { getAppCred } from './store/credentials.ts';
import { getDomain, getProject } from './store/resources.ts';
import { listAssignments, listImplications, rolesByIds } from './store/roles.ts';
import { getUser, groupsOfUser } from './store/users.ts';

export interface TokenInfo {
  payload: TokenPayload;
  user: User;
  userDomain: Domain;
  project?: Project;
  projectDomain?: Domain;
  domain?: Domain;
  roles: Role[];
  appCred?: AppCredential;
}

export async function resolveToken(
  q: Queryable,
  payload: TokenPayload,
  now: number,
): Promise<TokenInfo | undefined> {
  const user = await getUser(q, payload.userId);
  if (!user?.enabled) return undefined;
  const userDomain = await getDomain(q, user.domainId);
  if (!userDomain?.enabled) return undefined;
  const info: TokenInfo = { payload, user, userDomain, roles: [] };
  const scope = payload.scope;
  let target: { type: 'project' | 'domain' | 'system'; id: string } | undefined;
  if (scope.kind === 'project') {
    const project = await getProject(q, scope.id);
    if (!project?.enabled) return undefined;
    const projectDomain = await getDomain(q, project.domainId);
    if (!projectDomain?.enabled) return undefined;
    Object.assign(info, { project, projectDomain });
    target = { type: 'project', id: project.id };
  } else if (scope.kind === 'domain') {
    const domain = await getDomain(q, scope.id);
    if (!domain?.enabled) return undefined;
    info.domain = domain;
    target = { type: 'domain', id: domain.id };
  } else if (scope.kind === 'system') {
    target = { type: 'system', id: 'all' };
  }
  if (!target) return info; // unscoped: no roles, no catalog
  const roleIds = await effectiveRoles(q, user.id, target);
  let granted = roleIds;
  if (payload.appCredId) {
    const cred = await getAppCred(q, payload.appCredId);
    if (!cred || cred.userId !== user.id || scope.kind !== 'project' || cred.projectId !== scope.id) {
      return undefined;
    }
    if (cred.expiresAt !== null && cred.expiresAt <= now) return undefined;
    const allowed = expandImplied(cred.roleIds, await listImplications(q));
    granted = new Set([...roleIds].filter((r) => allowed.has(r)));
    info.appCred = cred;
  }
  // Domain-specific roles only carry what they imply; they never appear in a token themselves.
  info.roles = (await rolesByIds(q, [...granted])).filter((r) => r.domainId === null);
  if (info.roles.length === 0) return undefined;
  return info;
}

/** The user's roles on a target, through its groups and role implications. */
export async function effectiveRoles(
  q: Queryable,
  userId: string,
  target: { type: 'project' | 'domain' | 'system'; id: string },
): Promise<Set<string>> {
  const groupIds = (await groupsOfUser(q, userId)).map((g) => g.id);
  const assignments = await listAssignments(q, {
    actorIds: [userId, ...groupIds],
    targetType: target.type,
    targetId: target.id,
  });
  return effectiveRoleIds(assignments, userId, groupIds, target, await listImplications(q));
}
