// The resources of a stack preview (POST /stacks/preview, `stack create --dry-run`) as Heat shows them:
// each at INIT_COMPLETE with its properties resolved against the parameters (defaults filled in; other
// resources' ids and attributes are not known yet, so null), its attribute names, no times, and the
// identities of the stack "None"; a template resource becomes the list of its template's resources, in a
// stack named <stack>-<resource>, recursively.

import type { Environment } from '../model/environment.ts';
import { resolveValue } from '../model/functions.ts';
import { resolveParameters } from '../model/parameters.ts';
import { checkProperties } from '../model/properties.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type Json, type JsonMap, parseTemplateText } from '../model/template-format.ts';
import { resolvePlugins } from '../worker/prepare.ts';
import { makeResolveEnv } from '../worker/resolve-env.ts';
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
  const section = p.template.version.kind === 'hot' ? 'resources' : 'Resources';
  const out: Json[] = [];
  for (const r of p.template.resources.values()) {
    const plugin = plugins.get(r.name);
    const resolved = resolveValue((r.properties ?? {}) as Json, scope, [section, r.name, 'properties']);
    const given = isMap(resolved) ? resolved : {};
    const text = plugin?.templateUrl === undefined ? undefined : p.files[plugin.templateUrl];
    if (text !== undefined) {
      const child = parseTemplate(parseTemplateText(text, plugin?.templateUrl));
      const { values } = resolveParameters(child.params, given, p.env.parameter_defaults, {
        strictUnknown: false,
      });
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
    const properties = plugin?.properties
      ? checkProperties(plugin.properties, given, [section, r.name])
      : given;
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
