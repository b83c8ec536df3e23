// Custom parameter constraints (custom_constraint: glance.image …) checked over other services' clients.
// Pluggable: each checker answers with an error message or undefined. Names without a checker are refused.

import type { Ctx } from '../../platform/context.ts';
import { TemplateError } from '../model/errors.ts';
import type { CustomCheck } from '../model/parameters.ts';
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
