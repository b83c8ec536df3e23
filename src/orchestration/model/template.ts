// A template, checked: its version, sections, parameters, resources (keys, policies, dependencies),
// outputs and conditions, every function use allowed by the version, every reference pointing at
// something that exists, and no dependency cycle. Errors name the path to the bad part.

import { formatPath, type Path, TemplateError } from './errors.ts';
import { functionName } from './functions/names.ts';
import { checkFunctions, referencedResources } from './functions/static-checks.ts';
import { checkAcyclic } from './graph.ts';
import { parseParamSchemas } from './parameters/parse.ts';
import type { ParamSchema } from './parameters/schema.ts';
import { isMap, type Json, type JsonMap } from './template-format.ts';
import { findVersion, type TemplateVersion } from './versions.ts';

export type DeletionPolicy = 'Delete' | 'Retain' | 'Snapshot';

export interface ResourceDef {
  name: string;
  type: string;
  properties: JsonMap;
  metadata: JsonMap;
  dependsOn: string[];
  deletionPolicy: DeletionPolicy;
  updatePolicy: JsonMap;
  condition?: Json;
  description: string;
}

export interface OutputDef {
  name: string;
  value: Json;
  description: string;
  condition?: Json;
}

export interface Template {
  raw: JsonMap;
  version: TemplateVersion;
  description: string;
  params: ParamSchema[];
  paramGroups: JsonMap[];
  resources: Map<string, ResourceDef>;
  outputs: Map<string, OutputDef>;
  conditions: JsonMap;
  mappings: JsonMap;
  /** Each resource's dependencies: depends_on plus the resources its properties and metadata name. */
  deps: Map<string, Set<string>>;
}

export const PSEUDO_PARAMS = ['OS::stack_name', 'OS::stack_id', 'OS::project_id'];
export const CFN_PSEUDO_PARAMS = [
  'AWS::StackName',
  'AWS::StackId',
  'AWS::Region',
  'AWS::AccountId',
  'AWS::NoValue',
];

interface Names {
  hot: boolean;
  resources: string;
  outputs: string;
  parameters: string;
  description: string;
}
const HOT_NAMES: Names = {
  hot: true,
  resources: 'resources',
  outputs: 'outputs',
  parameters: 'parameters',
  description: 'description',
};
const CFN_NAMES: Names = {
  hot: false,
  resources: 'Resources',
  outputs: 'Outputs',
  parameters: 'Parameters',
  description: 'Description',
};

export function parseTemplate(raw: JsonMap): Template {
  const found = findVersion(raw);
  if (typeof found === 'string')
    throw new TemplateError(`The template version is invalid: ${found}`, { type: 'InvalidTemplateVersion' });
  const version = found;
  const names = version.kind === 'hot' ? HOT_NAMES : CFN_NAMES;
  for (const k of Object.keys(raw)) {
    if (k === version.key) continue;
    if (!version.sections.has(k)) {
      throw new TemplateError(`The template section is invalid: ${k}`, {
        path: [k],
        type: 'InvalidTemplateSection',
      });
    }
  }
  const params = parseParamSchemas(raw[names.parameters], version, [names.parameters]);
  const paramNames = new Set(params.map((p) => p.name));
  const pseudo = new Set(
    version.kind === 'hot'
      ? [...PSEUDO_PARAMS, ...(version.date === '2013-05-23' ? CFN_PSEUDO_PARAMS : [])]
      : CFN_PSEUDO_PARAMS,
  );
  const isParam = (n: string) => paramNames.has(n) || pseudo.has(n);

  const resources = parseResources(raw[names.resources], version, names);
  const outputs = parseOutputs(raw[names.outputs], version, names);
  const conditions = raw.conditions == null ? {} : raw.conditions;
  if (!isMap(conditions))
    throw new TemplateError('The conditions section must be a map.', { path: ['conditions'] });
  const mappings = raw.Mappings == null ? {} : raw.Mappings;
  if (!isMap(mappings))
    throw new TemplateError('The Mappings section must be a map.', { path: ['Mappings'] });

  // Functions: allowed for this version, everywhere they may appear.
  for (const [n, c] of Object.entries(conditions)) checkFunctions(c, version, ['conditions', n], true);
  const deps = new Map<string, Set<string>>();
  for (const r of resources.values()) {
    const base = [names.resources, r.name];
    checkFunctions(r.properties, version, [...base, version.kind === 'hot' ? 'properties' : 'Properties']);
    checkFunctions(r.metadata, version, [...base, version.kind === 'hot' ? 'metadata' : 'Metadata']);
    if (r.condition !== undefined) checkFunctions(r.condition, version, [...base, 'condition'], true);
    const refs = new Set([
      ...referencedResources(r.properties, version, isParam),
      ...referencedResources(r.metadata, version, isParam),
    ]);
    for (const d of refs) {
      if (!resources.has(d)) {
        throw new TemplateError(`The specified reference "${d}" (in ${r.name}) is incorrect.`, {
          path: base,
          type: 'InvalidTemplateReference',
        });
      }
    }
    for (const d of r.dependsOn) {
      if (!resources.has(d)) {
        throw new TemplateError(`The specified reference "${d}" (in depends_on of ${r.name}) is incorrect.`, {
          path: [...base, version.kind === 'hot' ? 'depends_on' : 'DependsOn'],
          type: 'InvalidTemplateReference',
        });
      }
      refs.add(d);
    }
    deps.set(r.name, refs);
  }
  for (const o of outputs.values()) {
    const base = [names.outputs, o.name];
    checkFunctions(o.value, version, [...base, version.kind === 'hot' ? 'value' : 'Value']);
    if (o.condition !== undefined) checkFunctions(o.condition, version, [...base, 'condition'], true);
    for (const d of referencedResources(o.value, version, isParam)) {
      if (!resources.has(d)) {
        throw new TemplateError(`The specified reference "${d}" (in output ${o.name}) is incorrect.`, {
          path: base,
          type: 'InvalidTemplateReference',
        });
      }
    }
  }
  checkParamRefs(raw, version, isParam, names);
  checkAcyclic(deps);
  const paramGroups = parseParamGroups(raw.parameter_groups, paramNames);
  const description = raw[names.description];
  return {
    raw,
    version,
    description: typeof description === 'string' ? description : '',
    params,
    paramGroups,
    resources,
    outputs,
    conditions,
    mappings,
    deps,
  };
}

function parseResources(
  section: Json | undefined,
  version: TemplateVersion,
  names: Names,
): Map<string, ResourceDef> {
  const out = new Map<string, ResourceDef>();
  if (section == null) return out;
  if (!isMap(section))
    throw new TemplateError(`The ${names.resources} section must be a map.`, { path: [names.resources] });
  for (const [name, def] of Object.entries(section)) {
    const path: Path = [names.resources, name];
    if (!isMap(def)) throw new TemplateError(`Resource ${name} definition must be a map.`, { path });
    for (const k of Object.keys(def)) {
      if (!version.resourceKeys.has(k)) {
        throw new TemplateError(`"${k}" is not a valid keyword inside a resource definition`, {
          path: [...path, k],
        });
      }
    }
    const k = (hot: string, cfn: string) => (names.hot ? hot : cfn);
    const type = def[k('type', 'Type')];
    if (typeof type !== 'string' || type === '') {
      throw new TemplateError(`Resource ${name} is missing "${k('type', 'Type')}"`, {
        path: [...path, k('type', 'Type')],
      });
    }
    const props = def[k('properties', 'Properties')] ?? {};
    if (!isMap(props) && functionName(props, version) === undefined) {
      throw new TemplateError('"properties" must be a map.', {
        path: [...path, k('properties', 'Properties')],
      });
    }
    const meta = def[k('metadata', 'Metadata')] ?? {};
    if (!isMap(meta))
      throw new TemplateError('"metadata" must be a map.', { path: [...path, k('metadata', 'Metadata')] });
    const rawDeps = def[k('depends_on', 'DependsOn')];
    const dependsOn = rawDeps == null ? [] : Array.isArray(rawDeps) ? rawDeps : [rawDeps];
    if (dependsOn.some((d) => typeof d !== 'string')) {
      throw new TemplateError('depends_on must be a resource name or a list of names.', {
        path: [...path, k('depends_on', 'DependsOn')],
      });
    }
    const dp = def[k('deletion_policy', 'DeletionPolicy')];
    let deletionPolicy: DeletionPolicy = 'Delete';
    if (dp != null) {
      const s = String(dp);
      const canon = (['Delete', 'Retain', 'Snapshot'] as const).find(
        (p) => p === s || (version.features.lowerDeletionPolicy && p.toLowerCase() === s),
      );
      if (!canon)
        throw new TemplateError(`Invalid deletion policy "${s}"`, {
          path: [...path, k('deletion_policy', 'DeletionPolicy')],
        });
      deletionPolicy = canon;
    }
    const up = def[k('update_policy', 'UpdatePolicy')] ?? {};
    const r: ResourceDef = {
      name,
      type,
      properties: props as JsonMap,
      metadata: meta,
      dependsOn: dependsOn as string[],
      deletionPolicy,
      updatePolicy: isMap(up) ? up : {},
      description:
        typeof def[k('description', 'Description')] === 'string'
          ? (def[k('description', 'Description')] as string)
          : '',
    };
    if (def.condition !== undefined) r.condition = def.condition;
    // Adopting an existing thing by id is not built: refused rather than silently creating a new one.
    if (def.external_id !== undefined)
      throw new TemplateError(
        'external_id is not supported: this engine does not adopt existing resources.',
        {
          path: [...path, 'external_id'],
        },
      );
    out.set(name, r);
  }
  return out;
}

function parseOutputs(
  section: Json | undefined,
  version: TemplateVersion,
  names: Names,
): Map<string, OutputDef> {
  const out = new Map<string, OutputDef>();
  if (section == null) return out;
  if (!isMap(section))
    throw new TemplateError(`The ${names.outputs} section must be a map.`, { path: [names.outputs] });
  for (const [name, def] of Object.entries(section)) {
    const path: Path = [names.outputs, name];
    if (!isMap(def)) throw new TemplateError(`Output ${name} definition must be a map.`, { path });
    for (const k of Object.keys(def)) {
      if (!version.outputKeys.has(k))
        throw new TemplateError(`"${k}" is not a valid keyword inside an output definition`, {
          path: [...path, k],
        });
    }
    const valueKey = names.hot ? 'value' : 'Value';
    if (!(valueKey in def)) throw new TemplateError(`Output ${name} has no "${valueKey}".`, { path });
    const o: OutputDef = {
      name,
      value: def[valueKey] as Json,
      description:
        typeof def[names.hot ? 'description' : 'Description'] === 'string'
          ? (def[names.hot ? 'description' : 'Description'] as string)
          : 'No description given',
    };
    if (def.condition !== undefined) o.condition = def.condition;
    out.set(name, o);
  }
  return out;
}

/** Every literal get_param/Ref name must be a declared or pseudo parameter (or a resource, for Ref). */
function checkParamRefs(
  raw: JsonMap,
  version: TemplateVersion,
  isParam: (n: string) => boolean,
  names: Names,
): void {
  const resources = isMap(raw[names.resources]) ? (raw[names.resources] as JsonMap) : {};
  const walk = (v: Json, path: Path) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, [...path, i]);
      });
      return;
    }
    if (!isMap(v)) return;
    const fn = functionName(v, version) ?? functionName(v, version, true);
    if (fn === 'get_param') {
      const a = v[fn];
      const n = Array.isArray(a) ? a[0] : a;
      // Heat resolves properties to validate them (UserParameterMissing inside a property error, in its
      // own wording); outputs are resolved only when shown, so there it is an output_error, not a refusal.
      if (typeof n === 'string' && !isParam(n) && path[0] !== names.outputs) {
        const missing = `The Parameter (${n}) was not provided.`;
        if (path[2] === (names.hot ? 'properties' : 'Properties'))
          throw new TemplateError(`Property error: : ${formatPath(path)}: : ${missing}`);
        throw new TemplateError(missing, { path, type: 'UserParameterMissing' });
      }
    }
    if (fn === 'Ref') {
      const n = v[fn];
      if (typeof n === 'string' && !isParam(n) && !(n in resources)) {
        throw new TemplateError(`The specified reference "${n}" is incorrect.`, {
          path,
          type: 'InvalidTemplateReference',
        });
      }
    }
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  for (const section of [names.resources, names.outputs, 'conditions']) {
    if (raw[section] != null) walk(raw[section] as Json, [section]);
  }
}

function parseParamGroups(raw: Json | undefined, paramNames: Set<string>): JsonMap[] {
  if (raw == null) return [];
  if (!Array.isArray(raw))
    throw new TemplateError('parameter_groups must be a list.', { path: ['parameter_groups'] });
  const seen = new Set<string>();
  return raw.map((g, i) => {
    const path: Path = ['parameter_groups', i];
    if (!isMap(g)) throw new TemplateError('Each parameter group must be a map.', { path });
    if (!Array.isArray(g.parameters))
      throw new TemplateError('Parameters must be provided for each Parameter Group.', { path });
    for (const p of g.parameters) {
      if (typeof p !== 'string' || !paramNames.has(p)) {
        throw new TemplateError(`The grouped parameter ${String(p)} does not reference a valid parameter.`, {
          path: [...path, 'parameters'],
        });
      }
      if (seen.has(p))
        throw new TemplateError(`The ${p} parameter must be assigned to one parameter group only.`, {
          path: [...path, 'parameters'],
        });
      seen.add(p);
    }
    return g;
  });
}
