// What a server's stack user (made for POLL_SERVER_HEAT, role heat_stack_user) may do through the Heat
// API: read its own server resource's metadata, nothing else — as Heat's policy confines
// heat_stack_user. The orchestration policy gives that role nothing, so every other route refuses it.
import type { FastifyRequest } from 'fastify';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { OrchestrationApi } from './deps.ts';

type P = { tenant: string; name: string; id: string; res: string };

/** The stack and resource when the caller is that resource's own stack user; otherwise undefined. */
export async function stackUserResource(
  api: OrchestrationApi,
  req: FastifyRequest,
): Promise<{ s: StackRow; r: ResourceRow } | undefined> {
  const auth = req.auth;
  const p = req.params as P;
  if (!auth?.projectId || auth.projectId !== p.tenant) return undefined;
  const s = await api.store.getStack(p.id);
  if (!s || s.projectId !== auth.projectId || s.name !== p.name) return undefined;
  const r = await api.store.resource(s.id, p.res);
  if (!r || typeof r.data.stackUser !== 'string' || r.data.stackUser !== auth.userId) return undefined;
  return { s, r };
}
