// Environments: parameters, parameter_defaults, resource_registry (aliases, template URLs, per-resource
// overrides) merged in the order the client sent the files; and type lookup through the registry.
import { TemplateError } from './errors.ts';
import { isMap, type Json, type JsonMap } from './template-format.ts';

export interface Environment {
  parameters: JsonMap;
  parameter_defaults: JsonMap;
  resource_registry: JsonMap;
  event_sinks: Json[];
  encrypted_param_names: string[];
  parameter_merge_strategies: JsonMap;
}

const SECTIONS = new Set([
  'parameters',
  'parameter_defaults',
  'resource_registry',
  'event_sinks',
  'encrypted_param_names',
  'parameter_merge_strategies',
]);

export function emptyEnvironment(): Environment {
  return {
    parameters: {},
    parameter_defaults: {},
    resource_registry: {},
    event_sinks: [],
    encrypted_param_names: [],
    parameter_merge_strategies: {},
  };
}

export function checkEnvironment(raw: JsonMap, what: string): void {
  for (const k of Object.keys(raw)) {
    if (!SECTIONS.has(k))
      throw new TemplateError(`environment has unknown section "${k}"`, {
        path: [what],
        type: 'InvalidEnvironment',
      });
  }
  for (const k of ['parameters', 'parameter_defaults', 'resource_registry', 'parameter_merge_strategies']) {
    if (raw[k] != null && !isMap(raw[k]))
      throw new TemplateError(`"${k}" must be a map.`, { path: [what, k], type: 'InvalidEnvironment' });
  }
}

function deepMerge(a: Json, b: Json): Json {
  if (isMap(a) && isMap(b)) {
    const out: JsonMap = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k] as Json, v) : v;
    return out;
  }
  return b;
}

function mergeValue(strategy: string, old: Json | undefined, value: Json): Json {
  if (old === undefined || strategy === 'overwrite') return value;
  if (strategy === 'deep_merge') return deepMerge(old, value);
  // merge: strings join with a comma, lists extend, maps update.
  if (typeof old === 'string' && typeof value === 'string') return `${old},${value}`;
  if (Array.isArray(old) && Array.isArray(value)) return [...old, ...value];
  if (isMap(old) && isMap(value)) return { ...old, ...value };
  return value;
}

function mergeParams(target: JsonMap, incoming: JsonMap, strategies: JsonMap): JsonMap {
  const out = { ...target };
  const dflt = typeof strategies.default === 'string' ? strategies.default : 'overwrite';
  for (const [k, v] of Object.entries(incoming)) {
    const s = typeof strategies[k] === 'string' ? (strategies[k] as string) : dflt;
    out[k] = mergeValue(s, out[k], v);
  }
  return out;
}

/** Merges one environment file into the running environment (environment_util.merge_environments). */
export function mergeEnvironment(env: Environment, raw: JsonMap, what: string): Environment {
  checkEnvironment(raw, what);
  const strategies = isMap(raw.parameter_merge_strategies) ? raw.parameter_merge_strategies : {};
  const registry = { ...env.resource_registry };
  for (const [k, v] of Object.entries(isMap(raw.resource_registry) ? raw.resource_registry : {})) {
    registry[k] =
      k === 'resources' && isMap(registry[k]) && isMap(v) ? (deepMerge(registry[k], v) as JsonMap) : v;
  }
  return {
    parameters: mergeParams(env.parameters, isMap(raw.parameters) ? raw.parameters : {}, strategies),
    parameter_defaults: mergeParams(
      env.parameter_defaults,
      isMap(raw.parameter_defaults) ? raw.parameter_defaults : {},
      strategies,
    ),
    resource_registry: registry,
    event_sinks: [...env.event_sinks, ...(Array.isArray(raw.event_sinks) ? raw.event_sinks : [])],
    encrypted_param_names: [
      ...env.encrypted_param_names,
      ...(Array.isArray(raw.encrypted_param_names) ? raw.encrypted_param_names.map(String) : []),
    ],
    parameter_merge_strategies: { ...env.parameter_merge_strategies, ...strategies },
  };
}

/** A type after the registry: a built-in or aliased type name, or a template URL for a template resource. */
export type ResolvedType =
  | { kind: 'builtin'; type: string }
  | { kind: 'template'; url: string; type: string };

export function isTemplateUrl(s: string): boolean {
  return s.endsWith('.yaml') || s.endsWith('.template') || s.endsWith('.yml');
}

/** Follows the registry (per-resource overrides first, then exact names, then `Prefix*` globs). */
export function resolveType(registry: JsonMap, resourceName: string, type: string): ResolvedType {
  const seen: string[] = [];
  let current = type;
  const perResource = isMap(registry.resources) ? registry.resources : {};
  for (;;) {
    if (seen.includes(current)) {
      throw new TemplateError(`Circular resource_registry mapping: ${[...seen, current].join(' -> ')}`, {
        type: 'InvalidEnvironment',
      });
    }
    seen.push(current);
    let next: string | undefined;
    for (const [pattern, over] of Object.entries(perResource)) {
      if (!globMatch(pattern, resourceName) || !isMap(over)) continue;
      const v = over[current];
      if (typeof v === 'string') next = v;
    }
    if (next === undefined) {
      const exact = registry[current];
      if (typeof exact === 'string') next = exact;
    }
    if (next === undefined) {
      for (const [pattern, target] of Object.entries(registry)) {
        if (pattern.endsWith('*') && typeof target === 'string' && current.startsWith(pattern.slice(0, -1))) {
          next = target.endsWith('*') ? target.slice(0, -1) + current.slice(pattern.length - 1) : target;
          break;
        }
      }
    }
    if (next === undefined || next === current) {
      return isTemplateUrl(current)
        ? { kind: 'template', url: current, type }
        : { kind: 'builtin', type: current };
    }
    if (isTemplateUrl(next)) return { kind: 'template', url: next, type };
    current = next;
  }
}

function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** The environment the client sent: environment_files (if any) merged in order from `files`, else the body's. */
export function buildEnvironment(body: {
  parameters?: JsonMap;
  environment?: JsonMap;
  environment_files?: string[];
  files: Record<string, string>;
  parseFile: (text: string, name: string) => JsonMap;
}): Environment {
  let env = emptyEnvironment();
  if (body.environment_files && body.environment_files.length > 0) {
    for (const name of body.environment_files) {
      const text = body.files[name];
      if (text === undefined)
        throw new TemplateError(`Could not fetch remote template "${name}": not in files.`, {
          type: 'InvalidEnvironment',
        });
      env = mergeEnvironment(env, body.parseFile(text, `environment file ${name}`), name);
    }
    // The user's --parameter values rank above every file's.
    env.parameters = { ...env.parameters, ...(body.parameters ?? {}) };
    return env;
  }
  env = mergeEnvironment(env, body.environment ?? {}, 'environment');
  env.parameters = { ...env.parameters, ...(body.parameters ?? {}) };
  return env;
}
