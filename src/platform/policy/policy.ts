// Policy is data: each action maps to the checks that allow it, enforced in one place (enforce()).
// A rule is a list of alternatives; one alternative passes when all of its conditions hold.
import { forbidden } from '../errors/catalogue.ts';
import type { AuthContext } from './auth-context.ts';

export type Condition =
  | 'any' // any authenticated caller
  | 'admin' // holds the admin role
  | 'service' // holds the service role (other services' users)
  | 'member' // holds member (or admin) on its scope
  | 'reader' // holds reader, member or admin on its scope
  | 'owner' // its project owns the target
  | 'self'; // it is the target user

export type Rule = ReadonlyArray<ReadonlyArray<Condition>>;
export type PolicyTable = Readonly<Record<string, Rule>>;

export interface Target {
  projectId?: string | null;
  userId?: string | null;
}

/** Role implication as Keystone's default roles have it: admin ⊃ member ⊃ reader. */
const IMPLIED: Record<string, readonly string[]> = {
  admin: ['admin', 'member', 'reader'],
  member: ['member', 'reader'],
  reader: ['reader'],
  service: ['service'],
};

export function effectiveRoles(roles: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const r of roles)
    for (const implied of IMPLIED[r.toLowerCase()] ?? [r.toLowerCase()]) out.add(implied);
  return out;
}

export function holds(c: Condition, auth: AuthContext, target: Target): boolean {
  const roles = effectiveRoles(auth.roles);
  switch (c) {
    case 'any':
      return true;
    case 'admin':
      return roles.has('admin');
    case 'service':
      return roles.has('service');
    case 'member':
      return roles.has('member');
    case 'reader':
      return roles.has('reader');
    case 'owner':
      return auth.projectId !== undefined && target.projectId === auth.projectId;
    case 'self':
      return target.userId === auth.userId;
  }
}

export function allowed(table: PolicyTable, action: string, auth: AuthContext, target: Target = {}): boolean {
  const rule = table[action];
  if (!rule) return false; // an action without a rule is denied, never silently open
  return rule.some((alternative) => alternative.every((c) => holds(c, auth, target)));
}

export function enforce(table: PolicyTable, action: string, auth: AuthContext, target: Target = {}): void {
  if (!allowed(table, action, auth, target)) {
    throw forbidden(`You are not authorized to perform the requested action: ${action}.`, {
      details: { action },
    });
  }
}

export function isAdmin(auth: AuthContext): boolean {
  return effectiveRoles(auth.roles).has('admin');
}
