// Helpers every route shares: the caller, node lookup by name or UUID with Ironic's 404-before-403 rule,
// policy checks against a node's owner and lessee, and JSON bodies.
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../platform/errors/catalogue.ts';
import type { AuthContext } from '../../platform/policy/auth-context.ts';
import { allowed, isAdmin } from '../../platform/policy/policy.ts';
import { fromInput, invalid, nodeNotFound } from '../model/errors.ts';
import type { Node } from '../model/node.ts';
import { isUuid } from '../model/node-input.ts';
import type { ApiContext } from './context.ts';
import { BAREMETAL_POLICY } from './policy.ts';
import { requestMinor } from './render.ts';

export const authOf = (req: FastifyRequest): AuthContext => req.auth!;
export const minorOf = requestMinor;
export const admin = (req: FastifyRequest) => isAdmin(authOf(req));

/** May the caller do `action` on this node (as admin, its owner, or — where the table allows — its lessee)? */
export function can(
  req: FastifyRequest,
  action: string,
  node?: { owner: string | null; lessee: string | null },
) {
  const auth = authOf(req);
  if (allowed(BAREMETAL_POLICY, action, auth, { projectId: node?.owner ?? null })) return true;
  return (
    node !== undefined &&
    allowed(BAREMETAL_POLICY, `${action}:lessee`, auth, { projectId: node.lessee ?? null })
  );
}

export function enforce(
  req: FastifyRequest,
  action: string,
  node?: { owner: string | null; lessee: string | null },
) {
  if (!can(req, action, node))
    throw forbidden(`Access was denied to the following resource: baremetal:${action}`);
}

/** Looks a node up by UUID or (from 1.5) by name; a node the caller may not see does not exist for it. */
export async function findNode(api: ApiContext, req: FastifyRequest, ident: string): Promise<Node> {
  let node: Node | undefined;
  if (isUuid(ident)) node = await api.nodes.get(ident);
  else if (minorOf(req) >= 5) node = await api.nodes.byName(ident);
  if (!node || !can(req, 'node:get', node)) throw nodeNotFound(ident);
  return node;
}

/** Runs model code, turning its input errors into Ironic's 400/406. */
export function input<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromInput(e);
  }
}

export function objectBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw invalid('The request body must be a JSON object.');
  return b as Record<string, unknown>;
}

export const iso = (ms: number) => new Date(ms).toISOString();
