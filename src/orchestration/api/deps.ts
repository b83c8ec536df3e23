// What the orchestration routes share: the engine, the store, the custom-constraint checkers, and the
// request helpers (caller, tenant check, stack lookup by name/id).
import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { forbidden, notFound, unauthorized } from '../../platform/errors/catalogue.ts';
import { enforce, type PolicyTable } from '../../platform/policy/policy.ts';
import type { HeatStore, StackRow } from '../store/stacks.ts';
import type { ConstraintChecker } from '../worker/constraints.ts';
import type { Caller, Engine } from '../worker/engine.ts';
import type { PluginRegistry } from '../worker/resources/registry.ts';

export interface OrchestrationApi {
  ctx: Ctx;
  engine: Engine;
  store: HeatStore;
  registry: PluginRegistry;
  checkers: ReadonlyMap<string, ConstraintChecker>;
  /** AWS::Region and the region remote stacks may name. */
  region: string;
}

export const HEAT_POLICY: PolicyTable = {
  'stacks:read': [['reader']],
  'stacks:write': [['member']],
  'software_configs:read': [['reader']],
  'software_configs:write': [['member']],
  'resource_types:read': [['any']],
};

/** The caller, checked against the project in the URL and the policy action. */
export function callerOf(req: FastifyRequest, action: string): Caller & { token: string } {
  const auth = req.auth;
  if (!auth) throw unauthorized();
  const tenant = (req.params as { tenant?: string }).tenant;
  if (!auth.projectId) throw forbidden('Orchestration needs a project-scoped token.');
  if (tenant !== undefined && tenant !== auth.projectId) {
    throw forbidden(`The request you have made requires a token scoped to project ${tenant}.`);
  }
  enforce(HEAT_POLICY, action, auth, { projectId: auth.projectId });
  return { projectId: auth.projectId, userId: auth.userId, token: auth.tokenId };
}

export function stackNotFound(nameOrId: string) {
  return notFound(`The Stack (${nameOrId}) could not be found.`, { type: 'EntityNotFound' });
}

/** The stack at stacks/{name}/{id}: the id decides; a name that does not match is not found. */
export async function stackAt(
  api: OrchestrationApi,
  projectId: string,
  name: string,
  id: string,
): Promise<StackRow> {
  const s = await api.store.getStack(id);
  if (!s || s.projectId !== projectId || s.name !== name) throw stackNotFound(name);
  return s;
}

/** Repeated query parameters arrive as arrays (keystoneauth re-sends the query on redirects). */
export function qs(req: FastifyRequest, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

export function qsAll(req: FastifyRequest, key: string): string[] {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function qsBool(req: FastifyRequest, key: string): boolean {
  const v = qs(req, key);
  return v !== undefined && ['true', '1', 'yes', 'on', 't'].includes(v.toLowerCase());
}
