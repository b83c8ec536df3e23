// The resources of a stack preview (POST /stacks/preview, `stack create --dry-run`) as Heat shows them:
// each at INIT_COMPLETE with its properties resolved against the parameters (defaults filled in; other
// resources' ids and attributes are not known yet, so null), its attribute names, no times, and the
// identities of the stack "None"; a template resource becomes the list of its template's resources, in a
// stack named <stack>-<resource>, recursively, and a ResourceGroup the list of its members.

import type { Environment } from '../model/environment.ts';
import { resolveValue } from '../model/functions/resolve.ts';
import { resolveParameters } from '../model/parameters/resolve.ts';
import { checkProperties, type PropsSchema } from '../model/properties.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type Json, type JsonMap, parseTemplateText } from '../model/template-format.ts';
import { resolvePlugins } from '../worker/prepare.ts';
import { makeResolveEnv } from '../worker/resolve-env.ts';
import { substitute } from '../worker/resources/nested.ts';
import type { PluginRegistry } from '../worker/resources/registry.ts';

export interface PreviewScope {
  template: Template;
  params: Record<string, Json>;
  env: Environment;
  files: Record<string, string>;
  registry: PluginRegistry;
  stackName: string;
  projectId: string;
  region: string;
  parentResource?: string;
}

const identity = (stackName: string, projectId: string, path: string): JsonMap => ({
  stack_name: stackName,
  stack_id: 'None',
  tenant: projectId,
  path,
});

/** Defaults filled in; where an attribute of a resource not made yet left a required value null, the
 * values as resolved (the template was checked statically before). */
function withDefaults(schema: PropsSchema | null, given: JsonMap, path: (string | number)[]): JsonMap {
  if (!schema) return given;
  try {
    return checkProperties(schema, given, path);
  } catch (e) {
    if (Object.values(given).some((v) => v === null)) return given;
    throw e;
  }
}

function masked(v: Json, secrets: ReadonlySet<Json>): JsonMap {
  const walk = (x: Json): Json =>
    secrets.has(x)
      ? '******'
      : Array.isArray(x)
        ? x.map(walk)
        : isMap(x)
          ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]))
          : x;
  return walk(v) as JsonMap;
}

export function previewResources(p: PreviewScope): Json[] {
  const plugins = resolvePlugins(p.template, p.env, p.files, p.registry);
  const scope = makeResolveEnv({
    stack: {
      id: 'None',
      name: p.stackName,
      projectId: p.projectId,
      parentResource: p.parentResource ?? null,
    },
    template: p.template,
    params: p.params,
    files: p.files,
    plugins,
    rows: new Map(),
    region: p.region,
  });
  // Hidden parameters' values (a password) are masked wherever a property carries them.
  const secrets = new Set<Json>(
    p.template.params
      .filter((x) => x.hidden && typeof p.params[x.name] === 'string')
      .map((x) => p.params[x.name] as Json),
  );
  // As in Heat, a resource not created yet is referred to by its name.
  const env = { ...scope, ref: (n: string) => n };
  const section = p.template.version.kind === 'hot' ? 'resources' : 'Resources';
  const out: Json[] = [];
  for (const r of p.template.resources.values()) {
    const plugin = plugins.get(r.name);
    const resolved = resolveValue((r.properties ?? {}) as Json, env, [section, r.name, 'properties']);
    const given = isMap(resolved) ? resolved : {};
    if (r.type === 'OS::Heat::ResourceGroup' && isMap(given.resource_def)) {
      // A group is a nested stack of members 0…count-1, each the definition with its index.
      const indexVar = typeof given.index_var === 'string' ? given.index_var : '%index%';
      const count = Number(given.count ?? 1);
      const def = given.resource_def;
      const members: JsonMap = {};
      for (let i = 0; i < count; i++)
        members[String(i)] = {
          type: def.type as Json,
          properties: substitute(def.properties ?? {}, indexVar, String(i)),
        };
      const child = parseTemplate({ heat_template_version: '2015-10-15', resources: members });
      out.push(
        previewResources({
          ...p,
          template: child,
          params: {},
          stackName: `${p.stackName}-${r.name}`,
          parentResource: r.name,
        }),
      );
      continue;
    }
    const text = plugin?.templateUrl === undefined ? undefined : p.files[plugin.templateUrl];
    if (text !== undefined) {
      const child = parseTemplate(parseTemplateText(text, plugin?.templateUrl));
      // Values the parent cannot know yet (another resource's id) stay null, as in Heat's preview.
      const known = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
      const defaults = p.env.parameter_defaults;
      const schemas = child.params.filter(
        (c) => c.name in known || c.name in defaults || c.default !== undefined,
      );
      const { values } = resolveParameters(schemas, known, defaults, { strictUnknown: false });
      for (const c of child.params) if (!(c.name in values)) values[c.name] = null;
      out.push(
        previewResources({
          ...p,
          template: child,
          params: values,
          stackName: `${p.stackName}-${r.name}`,
          parentResource: r.name,
        }),
      );
      continue;
    }
    const properties = masked(withDefaults(plugin?.properties ?? null, given, [section, r.name]), secrets);
    const requiredBy = [...p.template.deps]
      .filter(([, ds]) => ds.has(r.name))
      .map(([n]) => n)
      .sort();
    out.push({
      resource_name: r.name,
      resource_type: r.type,
      resource_action: 'INIT',
      resource_status: 'COMPLETE',
      resource_status_reason: '',
      physical_resource_id: '',
      description: r.description ?? '',
      creation_time: null,
      updated_time: null,
      resource_identity: identity(p.stackName, p.projectId, `/resources/${r.name}`),
      stack_identity: identity(p.stackName, p.projectId, ''),
      stack_name: p.stackName,
      properties,
      metadata: (r.metadata ?? {}) as Json,
      attributes: Object.fromEntries(Object.keys(plugin?.attributes ?? {}).map((a) => [a, null])),
      required_by: requiredBy,
      ...(p.parentResource ? { parent_resource: p.parentResource } : {}),
    });
  }
  return out;
}
