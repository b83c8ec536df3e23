// A resource's properties and metadata resolved against the stack, as create and update both need them.
import type { ResolveEnv } from '../model/functions/call.ts';
import { resolveValue } from '../model/functions/resolve.ts';
import { checkProperties } from '../model/properties.ts';
import { isMap } from '../model/template-format.ts';
import type { StackDefinition } from './prepare.ts';
import type { ResourcePlugin } from './resources/plugin.ts';

/** A resource's properties (checked against its type's schema) and metadata, resolved now. */
export function resolveResource(def: StackDefinition, env: ResolveEnv, name: string, plugin: ResourcePlugin) {
  const rdef = def.template.resources.get(name);
  if (!rdef) throw new Error(`unknown resource ${name}`);
  const section =
    def.template.version.kind === 'hot'
      ? ['resources', name, 'properties']
      : ['Resources', name, 'Properties'];
  const resolved = resolveValue(rdef.properties, env, section);
  const raw = isMap(resolved) ? resolved : {};
  const props = plugin.properties ? checkProperties(plugin.properties, raw, section) : raw;
  const meta = resolveValue(rdef.metadata, env, [section[0] as string, name, 'metadata']);
  return { props, metadata: isMap(meta) ? meta : {} };
}
