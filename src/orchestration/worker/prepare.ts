// From what the client sent to a checked stack definition: the template parsed and validated, the
// environment merged, every resource type resolved through the registry to a plugin (unknown types
// refused with the list of those that exist), properties checked as far as they are known, nested
// templates from `files` checked the same way, and the parameters resolved.
import { buildEnvironment, type Environment, isTemplateUrl, resolveType } from '../model/environment.ts';
import { TemplateError } from '../model/errors.ts';
import { functionName } from '../model/functions/names.ts';
import { type CustomCheck, resolveParameters } from '../model/parameters/resolve.ts';
import { checkProperties } from '../model/properties.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type Json, type JsonMap, parseTemplateText } from '../model/template-format.ts';
import { templateResource } from './resources/nested.ts';
import type { ResourcePlugin } from './resources/plugin.ts';
import type { PluginRegistry } from './resources/registry.ts';

export interface StackDefinition {
  template: Template;
  environment: Environment;
  files: Record<string, string>;
  plugins: Map<string, ResourcePlugin>;
  params: Record<string, Json>;
  customChecks: CustomCheck[];
}

export interface StackInput {
  template: JsonMap;
  files: Record<string, string>;
  environment: Environment;
}

/** The body of create/update/preview/validate → template map, files and merged environment. */
export function inputFromBody(body: JsonMap, opts: { requireTemplate?: boolean } = {}): StackInput {
  const files: Record<string, string> = {};
  if (body.files != null) {
    if (!isMap(body.files)) throw new TemplateError('"files" must be a map.', { type: 'HTTPBadRequest' });
    for (const [k, v] of Object.entries(body.files)) files[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  let template: JsonMap;
  const t = body.template;
  if (isMap(t)) template = t;
  else if (typeof t === 'string') template = parseTemplateText(t);
  else if (body.template_url != null) {
    throw new TemplateError(
      'template_url is not supported: this engine fetches no remote templates; send the template itself.',
      { type: 'HTTPBadRequest' },
    );
  } else if (opts.requireTemplate === false) template = {};
  else throw new TemplateError('No template specified', { type: 'HTTPBadRequest' });
  const envFiles = Array.isArray(body.environment_files) ? body.environment_files.map(String) : undefined;
  let env = body.environment;
  if (typeof env === 'string') env = parseTemplateText(env, 'environment');
  if (env != null && !isMap(env))
    throw new TemplateError('"environment" must be a map.', { type: 'InvalidEnvironment' });
  const params = body.parameters ?? {};
  if (!isMap(params)) throw new TemplateError('"parameters" must be a map.', { type: 'HTTPBadRequest' });
  const environment = buildEnvironment({
    parameters: params,
    ...(env ? { environment: env } : {}),
    ...(envFiles ? { environment_files: envFiles } : {}),
    files,
    parseFile: (text, name) => parseTemplateText(text, name),
  });
  return { template, files, environment };
}

const MAX_NESTING = 5;

/** Resolves each resource's type to a plugin; template resources become nested-stack plugins. */
export function resolvePlugins(
  template: Template,
  env: Environment,
  files: Record<string, string>,
  registry: PluginRegistry,
  depth = 0,
): Map<string, ResourcePlugin> {
  const out = new Map<string, ResourcePlugin>();
  const section = template.version.kind === 'hot' ? 'resources' : 'Resources';
  for (const r of template.resources.values()) {
    const path = [section, r.name];
    const t = resolveType(env.resource_registry, r.name, r.type);
    if (t.kind === 'template') {
      const text = files[t.url];
      if (text === undefined) {
        throw new TemplateError(
          `Could not fetch remote template "${t.url}": it is not in the "files" the client sent.`,
          { path, type: 'InvalidTemplateReference' },
        );
      }
      if (depth >= MAX_NESTING)
        throw new TemplateError(`Recursion depth exceeds ${MAX_NESTING}.`, {
          path,
          type: 'RequestLimitExceeded',
        });
      // The child template must itself be valid, with the same environment's registry.
      let child: Template;
      try {
        child = parseTemplate(parseTemplateText(text, t.url));
      } catch (e) {
        if (e instanceof TemplateError)
          throw new TemplateError(`${t.url}: ${e.message}`, { path, type: e.type });
        throw e;
      }
      resolvePlugins(child, env, files, registry, depth + 1);
      out.set(r.name, templateResource(t.url, r.type));
      continue;
    }
    const plugin = registry.get(t.type);
    if (!plugin) {
      const via = t.type === r.type ? '' : ` (mapped from ${r.type})`;
      throw new TemplateError(
        `The Resource Type (${t.type})${via} could not be found. Available types: ${registry.types().join(', ')}`,
        { path: [...path, template.version.kind === 'hot' ? 'type' : 'Type'], type: 'StackValidationFailed' },
      );
    }
    if (plugin.properties && isMap(r.properties)) {
      checkProperties(
        plugin.properties,
        r.properties,
        [...path, template.version.kind === 'hot' ? 'properties' : 'Properties'],
        true,
      );
    }
    out.set(r.name, plugin);
  }
  checkAttributeNames(template, out);
  return out;
}

/** Every literal get_attr / Fn::GetAtt names an attribute its resource's type has (or `show`). */
function checkAttributeNames(template: Template, plugins: ReadonlyMap<string, ResourcePlugin>): void {
  const walk = (v: Json, path: (string | number)[]) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, [...path, i]);
      });
      return;
    }
    if (!isMap(v)) return;
    const fn = functionName(v, template.version);
    const args = fn === 'get_attr' || fn === 'Fn::GetAtt' ? v[fn] : undefined;
    if (Array.isArray(args) && typeof args[0] === 'string' && typeof args[1] === 'string') {
      const plugin = plugins.get(args[0]);
      if (plugin && !plugin.anyAttribute && args[1] !== 'show' && !(args[1] in plugin.attributes)) {
        throw new TemplateError(`The Referenced Attribute (${args[0]} ${args[1]}) is incorrect.`, {
          path: [...path, fn as string],
          type: 'InvalidTemplateAttribute',
        });
      }
    }
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  const hot = template.version.kind === 'hot';
  for (const r of template.resources.values()) {
    const at = [hot ? 'resources' : 'Resources', r.name];
    walk(r.properties as Json, [...at, hot ? 'properties' : 'Properties']);
    walk(r.metadata as Json, [...at, hot ? 'metadata' : 'Metadata']);
  }
  for (const o of template.outputs.values())
    walk(o.value, [hot ? 'outputs' : 'Outputs', o.name, hot ? 'value' : 'Value']);
}

export function prepare(
  input: StackInput,
  registry: PluginRegistry,
  opts: { strictUnknownParams?: boolean; extraDefaults?: JsonMap; missingParamsOk?: boolean } = {},
): StackDefinition {
  const template = parseTemplate(input.template);
  const plugins = resolvePlugins(template, input.environment, input.files, registry);
  const given = input.environment.parameters;
  const defaults = { ...(opts.extraDefaults ?? {}), ...input.environment.parameter_defaults };
  // Validation checks the values it has and does not ask for the rest.
  const schemas = opts.missingParamsOk
    ? template.params.filter((p) => p.name in given || p.name in defaults || p.default !== undefined)
    : template.params;
  const { values, customChecks } = resolveParameters(schemas, given, defaults, {
    strictUnknown: opts.strictUnknownParams !== false,
  });
  return {
    template,
    environment: input.environment,
    files: input.files,
    plugins,
    params: values,
    customChecks,
  };
}

export { isTemplateUrl };
