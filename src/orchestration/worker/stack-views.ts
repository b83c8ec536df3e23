// Read-side views of a stored stack: its outputs resolved now, and a resource's reference id and
// attributes (for resource show and for a parent's get_attr on a child stack).
import { evaluateCondition, resolveValue } from '../model/functions/resolve.ts';
import { isMap, type Json, type JsonMap } from '../model/template-format.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { EngineCore } from './engine-core.ts';
import { makeResolveEnv } from './resolve-env.ts';
import { templateResource } from './resources/nested.ts';
import { attributeOf, refOf } from './resources/plugin.ts';

export interface OutputView {
  output_key: string;
  output_value: Json;
  description: string;
  output_error?: string;
}

/** The stack's outputs resolved now; one that fails carries output_error instead of failing the show. */
export async function stackOutputs(core: EngineCore, stack: StackRow): Promise<OutputView[]> {
  const scope = await core.storedScope(stack);
  if (!scope) return [];
  const env = makeResolveEnv(scope);
  const out: OutputView[] = [];
  for (const o of scope.template.outputs.values()) {
    try {
      const on =
        o.condition === undefined
          ? true
          : evaluateCondition(o.condition, env, ['outputs', o.name, 'condition']);
      out.push({
        output_key: o.name,
        output_value: on ? resolveValue(o.value, env, ['outputs', o.name]) : null,
        description: o.description,
      });
    } catch (e) {
      out.push({
        output_key: o.name,
        output_value: null,
        description: o.description,
        output_error: (e as Error).message,
      });
    }
  }
  return out;
}

/** A resource's reference id and attributes, for views (get_resource / attributes of resource show). */
export function resourceAttributes(core: EngineCore, row: ResourceRow): { ref: Json; attributes: JsonMap } {
  // Template resources are not in the registry: their row's type is the alias or the template URL.
  const plugin = core.d.registry.get(row.type) ?? (row.nestedId ? templateResource('', row.type) : undefined);
  const outputs = isMap(row.attributes.outputs) ? Object.keys(row.attributes.outputs) : [];
  const own = plugin?.attributes ?? {};
  const names = new Set(
    Object.keys(own).length > 0 || plugin === undefined
      ? [
          ...Object.keys(own),
          ...Object.keys(row.attributes).filter((k) => !['resources', 'members'].includes(k)),
        ]
      : outputs,
  );
  return {
    ref: refOf(plugin, row),
    attributes: Object.fromEntries(
      [...names].map((k) => [
        k,
        plugin?.secretAttributes?.includes(k) ? '******' : attributeOf(plugin, row, k),
      ]),
    ),
  };
}
