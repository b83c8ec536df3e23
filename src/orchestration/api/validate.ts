// POST /validate (`openstack orchestration template validate`): the template's description, its
// parameters as Heat's validate view (with `Value` where the environment or a parent gives one), the
// parameter groups, with `show_nested` the parameters of every template resource's template (recursively),
// and the environment as Heat echoes it: parameters, parameter_defaults, event_sinks and the registry with
// its `resources` map and every template URL the template uses as a type.
import type { FastifyInstance } from 'fastify';
import { type Environment, isTemplateUrl } from '../model/environment.ts';
import { resolveValue } from '../model/functions/resolve.ts';
import { validateView } from '../model/parameters/views.ts';
import { parseTemplate, type Template } from '../model/template.ts';
import { isMap, type Json, type JsonMap, parseTemplateText } from '../model/template-format.ts';
import { inputFromBody, prepare, resolvePlugins } from '../worker/prepare.ts';
import { makeResolveEnv } from '../worker/resolve-env.ts';
import type { PluginRegistry } from '../worker/resources/registry.ts';
import { callerOf, type OrchestrationApi, qsBool } from './deps.ts';
import { heat } from './render.ts';

type P = { tenant: string };

export function registerValidate(app: FastifyInstance, api: OrchestrationApi): void {
  app.post<{ Params: P }>('/v1/:tenant/validate', async (req) =>
    heat(async () => {
      const caller = callerOf(req, 'stacks:read');
      const b = isMap(req.body) ? req.body : {};
      const input = inputFromBody(b);
      // Validation does not need every parameter: missing values are fine here, as in Heat.
      const def = prepare(input, api.registry, { strictUnknownParams: false, missingParamsOk: true });
      const given = input.environment.parameters;
      const showNested = qsBool(req, 'show_nested') || b.show_nested === true;
      const nested = showNested
        ? nestedParameters(
            def.template,
            def.params,
            input.environment,
            input.files,
            api.registry,
            caller.projectId,
          )
        : {};
      return {
        Description: def.template.description || 'No description',
        Parameters: parametersView(def.template, given),
        ...(def.template.paramGroups.length ? { ParameterGroups: def.template.paramGroups } : {}),
        ...(Object.keys(nested).length ? { NestedParameters: nested } : {}),
        Environment: environmentView(input.environment, def.template),
      };
    }),
  );
}

function parametersView(t: Template, values: JsonMap): JsonMap {
  const out: JsonMap = {};
  for (const p of t.params)
    out[p.name] = { ...validateView(p), ...(p.name in values ? { Value: values[p.name] as Json } : {}) };
  return out;
}

/** Each template resource's template: its description, parameters (Value: what the parent passes), type. */
function nestedParameters(
  t: Template,
  params: Record<string, Json>,
  env: Environment,
  files: Record<string, string>,
  registry: PluginRegistry,
  projectId: string,
): JsonMap {
  const plugins = resolvePlugins(t, env, files, registry);
  const scope = makeResolveEnv({
    stack: { id: 'None', name: 'validate', projectId, parentResource: null },
    template: t,
    params,
    files,
    plugins,
    rows: new Map(),
    region: '',
  });
  const out: JsonMap = {};
  for (const r of t.resources.values()) {
    const url = plugins.get(r.name)?.templateUrl;
    const text = url === undefined ? undefined : files[url];
    if (text === undefined) continue;
    const child = parseTemplate(parseTemplateText(text, url));
    // What the parent passes, where it can be known without the resources existing.
    let passed: JsonMap = {};
    try {
      const v = resolveValue((r.properties ?? {}) as Json, scope);
      if (isMap(v)) passed = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
    } catch {}
    const childParams = Object.fromEntries(
      child.params.map((p) => [p.name, (passed[p.name] ?? p.default ?? null) as Json]),
    );
    const deeper = nestedParameters(child, childParams, env, files, registry, projectId);
    out[r.name] = {
      Description: child.description || 'No description',
      Parameters: parametersView(child, passed),
      ...(Object.keys(deeper).length ? { NestedParameters: deeper } : {}),
      Type: r.type,
    };
  }
  return out;
}

/** Heat's echo of the environment: the user's sections, the registry with the template's template URLs. */
function environmentView(env: Environment, t: Template): JsonMap {
  const registry: JsonMap = { ...env.resource_registry };
  for (const r of t.resources.values())
    if (isTemplateUrl(r.type) && !(r.type in registry)) registry[r.type] = r.type;
  if (!isMap(registry.resources)) registry.resources = {};
  return {
    parameters: env.parameters,
    parameter_defaults: env.parameter_defaults,
    event_sinks: env.event_sinks,
    resource_registry: registry,
  };
}
