// Custom parameter constraints (glance.image, neutron.network/subnet, keystone.project/user/role/domain)
// checked over other services' clients.
// Pluggable: each checker answers with an error message or undefined. Names without a checker are refused.

import type { Ctx } from '../../platform/context.ts';
import { TemplateError } from '../model/errors.ts';
import type { CustomCheck } from '../model/parameters/resolve.ts';
import type { HeatClients } from './resources/plugin.ts';

export type ConstraintChecker = (ctx: Ctx, token: string, value: unknown) => Promise<string | undefined>;

export function defaultCheckers(clients: HeatClients): Map<string, ConstraintChecker> {
  const out = new Map<string, ConstraintChecker>();
  const image = clients.image;
  if (image) {
    out.set('glance.image', async (ctx, token, value) => {
      const c = image.connect(token);
      const v = String(value);
      const byId = /^[0-9a-f-]{36}$/.test(v) ? await c.get(ctx, v) : undefined;
      if (byId) return undefined;
      const named = await c.list(ctx, { name: v });
      if (named.length === 1) return undefined;
      return named.length > 1
        ? `Multiple images named ${v} exist.`
        : `Error validating value '${v}': No images matching {'name': '${v}'}.`;
    });
  }
  const network = clients.network;
  const identity = clients.identity;
  if (network && identity) {
    // The network client sees every project's networks: keep to what the caller's project may use.
    const visible = async (token: string, item: Record<string, unknown>) => {
      const who = await identity.tokens.validate(token);
      return (
        who.roles.includes('admin') ||
        item.project_id === who.projectId ||
        item.shared === true ||
        item['router:external'] === true
      );
    };
    out.set('neutron.network', async (ctx, token, value) => {
      const v = String(value);
      const byId = await network.getNetwork(ctx, v).catch(() => undefined);
      const found = byId ? [byId] : await network.findNetworks(ctx, { name: v });
      const mine = [];
      for (const n of found) if (await visible(token, n)) mine.push(n);
      if (mine.length === 1) return undefined;
      return mine.length > 1
        ? `Multiple networks named ${v} exist.`
        : `The network (${v}) could not be found.`;
    });
    out.set('neutron.subnet', async (ctx, token, value) => {
      const v = String(value);
      const byId = await network.getSubnet(ctx, v).catch(() => undefined);
      const found = byId ? [byId] : await network.findSubnets(ctx, { name: v });
      const mine = [];
      for (const sn of found) {
        const net = await network.getNetwork(ctx, String(sn.network_id)).catch(() => undefined);
        if (net && (await visible(token, { ...net, project_id: sn.project_id }))) mine.push(sn);
      }
      if (mine.length === 1) return undefined;
      return mine.length > 1 ? `Multiple subnets named ${v} exist.` : `The subnet (${v}) could not be found.`;
    });
  }
  if (identity) {
    // Looked up with the caller's own token: what Keystone does not show the caller does not exist for it.
    const KINDS = [
      ['keystone.project', 'projects', 'Project'],
      ['keystone.user', 'users', 'User'],
      ['keystone.role', 'roles', 'Role'],
      ['keystone.domain', 'domains', 'Domain'],
    ] as const;
    for (const [name, kind, label] of KINDS) {
      out.set(name, async (ctx, token, value) => {
        const v = String(value);
        const dir = identity.directory;
        if (await dir.get(ctx, token, kind, v).catch(() => undefined)) return undefined;
        const named = await dir.find(ctx, token, kind, { name: v }).catch(() => []);
        if (named.length === 1) return undefined;
        return named.length > 1
          ? `Multiple ${kind} named ${v} exist.`
          : `The ${label} (${v}) could not be found.`;
      });
    }
  }
  return out;
}

export async function runCustomChecks(
  ctx: Ctx,
  token: string,
  checks: readonly CustomCheck[],
  checkers: ReadonlyMap<string, ConstraintChecker>,
): Promise<void> {
  for (const c of checks) {
    const checker = checkers.get(c.constraint);
    if (!checker) {
      throw new TemplateError(
        `Parameter '${c.param}' is invalid: the custom constraint "${c.constraint}" is not available here (available: ${[...checkers.keys()].join(', ') || 'none'}).`,
        { path: ['parameters', c.param] },
      );
    }
    const why = await checker(ctx, token, c.value);
    if (why)
      throw new TemplateError(`Parameter '${c.param}' is invalid: ${c.description ?? why}`, {
        path: ['parameters', c.param],
      });
  }
}
