// Role implication closure and effective assignments: pure functions over what the store returns.
import type { Assignment } from './types.ts';

export interface Implication {
  prior: string;
  implied: string;
}

/** The given roles plus every role they imply, transitively (cycles are harmless). */
export function expandImplied(roleIds: Iterable<string>, implications: readonly Implication[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const i of implications) next.set(i.prior, [...(next.get(i.prior) ?? []), i.implied]);
  const out = new Set<string>();
  const stack = [...roleIds];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return out;
}

/** Roles on a target for a user and its groups, implications applied. */
export function effectiveRoleIds(
  assignments: readonly Assignment[],
  userId: string,
  groupIds: readonly string[],
  target: { type: Assignment['targetType']; id: string },
  implications: readonly Implication[],
): Set<string> {
  const groups = new Set(groupIds);
  const direct = assignments
    .filter((a) => a.targetType === target.type && a.targetId === target.id)
    .filter((a) => (a.actorType === 'user' ? a.actorId === userId : groups.has(a.actorId)))
    .map((a) => a.roleId);
  return expandImplied(direct, implications);
}

/** What `role assignment list --effective` shows: group assignments become one row per member, and
 * implied roles appear as their own rows (keystone marks them with `prior_role`). */
export function effectiveAssignments(
  assignments: readonly Assignment[],
  members: ReadonlyMap<string, readonly string[]>,
  implications: readonly Implication[],
): (Assignment & { viaGroup?: string; priorRole?: string })[] {
  const out: (Assignment & { viaGroup?: string; priorRole?: string })[] = [];
  const seen = new Set<string>();
  const push = (a: Assignment & { viaGroup?: string; priorRole?: string }) => {
    const key = `${a.actorId}|${a.targetType}|${a.targetId}|${a.roleId}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(a);
  };
  for (const a of assignments) {
    const users = a.actorType === 'user' ? [a.actorId] : (members.get(a.actorId) ?? []);
    for (const userId of users) {
      const base = { ...a, actorType: 'user' as const, actorId: userId };
      const via = a.actorType === 'group' ? { viaGroup: a.actorId } : {};
      push({ ...base, ...via });
      for (const implied of expandImplied([a.roleId], implications)) {
        if (implied !== a.roleId) push({ ...base, ...via, roleId: implied, priorRole: a.roleId });
      }
    }
  }
  return out;
}
