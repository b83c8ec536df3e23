// Resources that are child stacks: OS::Heat::Stack, ResourceGroup, ResourceChain and template resources
// (a type that is a template URL from `files`). The parent's properties become the child's parameters;
// the child's outputs (and its resources' attributes) become the parent resource's attributes.
import { createHash } from 'node:crypto';
import { isMap, type Json, type JsonMap, parseTemplateText } from '../../model/template-format.ts';
import type { NestedResult, Outcome, ResourceContext, ResourcePlugin } from './plugin.ts';

function toOutcome(r: NestedResult, extra: JsonMap = {}): Outcome {
  const physicalId =
    typeof r.outputs['OS::stack_id'] === 'string' ? (r.outputs['OS::stack_id'] as string) : r.stackId;
  return {
    physicalId,
    nestedId: r.stackId,
    attributes: { outputs: r.outputs, resources: r.resources as unknown as JsonMap, ...extra },
  };
}

/** get_attr on a nested resource: an output, or resource.<name>[.<attr>] inside the child. */
function nestedAttribute(row: { attributes: JsonMap }, name: string): Json {
  const outputs = isMap(row.attributes.outputs) ? row.attributes.outputs : {};
  const resources = isMap(row.attributes.resources) ? row.attributes.resources : {};
  if (name === 'show') return outputs;
  if (name === 'outputs') return outputs;
  if (name.startsWith('resource.')) {
    const rest = name.slice('resource.'.length);
    const dot = rest.indexOf('.');
    const rname = dot < 0 ? rest : rest.slice(0, dot);
    const r = resources[rname];
    if (!isMap(r)) return null;
    if (dot < 0) return r.ref ?? null;
    const attrs = isMap(r.attributes) ? r.attributes : {};
    return attrs[rest.slice(dot + 1)] ?? null;
  }
  return outputs[name] ?? null;
}

function templateOf(rc: ResourceContext, t: Json): JsonMap {
  if (isMap(t)) return t;
  if (typeof t === 'string') {
    const inFiles = rc.files[t];
    return parseTemplateText(inFiles ?? t, 'nested template');
  }
  throw new Error('The template property must be a map or template text.');
}

/** Remote stacks (another region, or another cloud's credentials) are not built: refused, never made here. */
function localOnly(rc: ResourceContext, props: JsonMap): void {
  const c = isMap(props.context) ? props.context : {};
  if (c.credential_secret_id != null)
    throw new Error(
      'Stacks in another cloud (context.credential_secret_id) are not supported by this engine.',
    );
  const region = c.region_name;
  if (typeof region === 'string' && region !== rc.region)
    throw new Error(
      `Cannot establish connection to Heat endpoint at region "${region}": this engine serves only region "${rc.region}".`,
    );
}

export const stackResource: ResourcePlugin = {
  type: 'OS::Heat::Stack',
  description: 'A resource for managing a nested stack from a template given inline.',
  properties: {
    template: {
      type: 'any',
      required: true,
      updateAllowed: true,
      description: 'Template that specifies the stack to be created as a resource.',
    },
    parameters: {
      type: 'map',
      default: {},
      updateAllowed: true,
      description: 'Set of parameters passed to this stack.',
    },
    timeout: {
      type: 'integer',
      updateAllowed: true,
      description: 'Number of minutes to wait for this stack creation.',
    },
    context: { type: 'map', description: 'Context for this stack (only the local region is supported).' },
  },
  attributes: {
    outputs: 'A dict of key-value pairs output from the stack.',
    stack_name: 'Name of the stack.',
  },
  async create(rc, props) {
    localOnly(rc, props);
    return toOutcome(
      await rc.nested.create(templateOf(rc, props.template as Json), (props.parameters ?? {}) as JsonMap),
    );
  },
  async update(rc, props, prev) {
    if (!prev.nestedId) return this.create(rc, props);
    return toOutcome(
      await rc.nested.update(
        prev.nestedId,
        templateOf(rc, props.template as Json),
        (props.parameters ?? {}) as JsonMap,
      ),
    );
  },
  async delete(rc, row) {
    if (row.nestedId) await rc.nested.delete(row.nestedId);
  },
  attribute: nestedAttribute,
  anyAttribute: true,
  refId: (row) => row.nestedId,
};

export const templateDigest = (text: string) => createHash('sha256').update(text).digest('hex');

/** A template resource: the type's template comes from `files` by its URL. */
export function templateResource(url: string, type: string): ResourcePlugin {
  const withDigest = (o: Outcome, text: string): Outcome => ({
    ...o,
    data: { template: templateDigest(text) },
  });
  return {
    type,
    templateUrl: url,
    description: `A template resource (${url}).`,
    properties: null,
    attributes: {},
    async create(rc, props) {
      const text = rc.files[url];
      if (text === undefined) throw new Error(`Could not fetch remote template "${url}": not in files.`);
      return withDigest(
        toOutcome(await rc.nested.create(parseTemplateText(text, url), props, rc.files)),
        text,
      );
    },
    async update(rc, props, prev) {
      const text = rc.files[url];
      if (text === undefined) throw new Error(`Could not fetch remote template "${url}": not in files.`);
      if (!prev.nestedId) return this.create(rc, props);
      return withDigest(
        toOutcome(await rc.nested.update(prev.nestedId, parseTemplateText(text, url), props, rc.files)),
        text,
      );
    },
    async delete(rc, row) {
      if (row.nestedId) await rc.nested.delete(row.nestedId);
    },
    attribute: nestedAttribute,
    anyAttribute: true,
    refId: (row) => row.physicalId,
  };
}

// ---- ResourceGroup

/** A member's definition with its index in place of `indexVar` (in every string, keys kept). */
export function substitute(v: Json, indexVar: string, index: string): Json {
  if (typeof v === 'string') return v.split(indexVar).join(index);
  if (Array.isArray(v)) return v.map((x) => substitute(x, indexVar, index));
  if (isMap(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, indexVar, index)]));
  return v;
}

/** Member names after removal policies: removed names are never reused; new members take the next free numbers. */
export function groupMembers(
  count: number,
  existing: string[],
  removeList: string[],
  blacklist: string[],
): { members: string[]; blacklist: string[] } {
  const black = new Set([...blacklist, ...removeList.filter((r) => existing.includes(r))]);
  const kept = existing.filter((n) => !black.has(n)).sort((a, b) => Number(a) - Number(b));
  // Shrinking removes the highest-numbered members.
  const members = kept.slice(0, count);
  let next = 0;
  while (members.length < count) {
    const name = String(next++);
    if (!black.has(name) && !members.includes(name)) members.push(name);
  }
  return { members: members.sort((a, b) => Number(a) - Number(b)), blacklist: [...black].sort() };
}

function groupTemplate(
  rc: ResourceContext,
  members: string[],
  def: JsonMap,
  indexVar: string,
  chain = false,
): JsonMap {
  const resources: JsonMap = {};
  members.forEach((m, i) => {
    const d: JsonMap = {
      type: (chain ? (def.types as Json[])[i] : def.type) as Json,
      properties: substitute((chain ? def.properties : def.properties) ?? {}, indexVar, m),
    };
    if (!chain && isMap(def.metadata)) d.metadata = substitute(def.metadata, indexVar, m);
    if (chain && i > 0 && def.concurrent !== true) d.depends_on = members[i - 1] as string;
    resources[m] = d;
  });
  return {
    heat_template_version: rc.templateVersion < '2015-10-15' ? '2015-10-15' : rc.templateVersion,
    resources,
  };
}

function groupOutcome(r: NestedResult, members: string[], blacklist: string[]): Outcome {
  const refs = members.map((m) => r.resources[m]?.ref ?? null);
  const refsMap = Object.fromEntries(members.map((m) => [m, r.resources[m]?.ref ?? null]));
  return {
    physicalId: r.stackId,
    nestedId: r.stackId,
    attributes: { refs, refs_map: refsMap, members, resources: r.resources as unknown as JsonMap },
    data: { blacklist },
  };
}

function groupAttribute(row: { attributes: JsonMap }, name: string): Json {
  const members = Array.isArray(row.attributes.members) ? (row.attributes.members as string[]) : [];
  const resources = isMap(row.attributes.resources) ? row.attributes.resources : {};
  const attrsOf = (m: string): JsonMap => {
    const r = resources[m];
    return isMap(r) && isMap(r.attributes) ? r.attributes : {};
  };
  if (name === 'refs' || name === 'refs_map') return row.attributes[name] ?? null;
  if (name === 'removed_rsrc_list') return [];
  if (name.startsWith('resource.')) {
    const rest = name.slice('resource.'.length);
    const dot = rest.indexOf('.');
    if (dot < 0) {
      const r = resources[rest];
      return isMap(r) ? (r.ref ?? null) : null;
    }
    return attrsOf(rest.slice(0, dot))[rest.slice(dot + 1)] ?? null;
  }
  if (name.startsWith('attributes.')) {
    const a = name.slice('attributes.'.length);
    return Object.fromEntries(members.map((m) => [m, attrsOf(m)[a] ?? null]));
  }
  if (name === 'show') return Object.fromEntries(members.map((m) => [m, attrsOf(m)]));
  return members.map((m) => attrsOf(m)[name] ?? null);
}

function removeListOf(props: JsonMap): string[] {
  const out: string[] = [];
  for (const p of Array.isArray(props.removal_policies) ? props.removal_policies : []) {
    if (isMap(p) && Array.isArray(p.resource_list)) out.push(...p.resource_list.map(String));
  }
  return out;
}

export const resourceGroupResource: ResourcePlugin = {
  type: 'OS::Heat::ResourceGroup',
  description:
    'Creates one or more identically configured nested resources; %index% in properties becomes each member index.',
  properties: {
    count: {
      type: 'integer',
      default: 1,
      range: { min: 0 },
      updateAllowed: true,
      description: 'The number of resources to create.',
    },
    index_var: {
      type: 'string',
      default: '%index%',
      description: 'A variable that this resource will use to replace with the current index.',
    },
    resource_def: {
      type: 'map',
      required: true,
      updateAllowed: true,
      schema: {
        type: { type: 'string', required: true },
        properties: { type: 'map' },
        metadata: { type: 'map' },
      },
      description: 'Resource definition for the resources in the group.',
    },
    removal_policies: {
      type: 'list',
      default: [],
      updateAllowed: true,
      items: { type: 'map', schema: { resource_list: { type: 'list', default: [] } } },
      description: 'Policies for removal of resources on update.',
    },
    removal_policies_mode: {
      type: 'string',
      default: 'append',
      allowedValues: ['append', 'update'],
      updateAllowed: true,
    },
  },
  attributes: {
    refs: 'A list of resource IDs for the resources in the group.',
    refs_map: 'A map of resource names to IDs for the resources in the group.',
    attributes: 'A map of resource names to the specified attribute of each individual resource.',
    removed_rsrc_list: 'A list of removed resource names.',
  },
  async create(rc, props) {
    const { members, blacklist } = groupMembers(Number(props.count ?? 1), [], removeListOf(props), []);
    const def = props.resource_def as JsonMap;
    const r = await rc.nested.create(
      groupTemplate(rc, members, def, String(props.index_var ?? '%index%')),
      {},
      rc.files,
    );
    return groupOutcome(r, members, blacklist);
  },
  async update(rc, props, prev) {
    if (!prev.nestedId) return this.create(rc, props);
    const existing = Array.isArray(prev.attributes.members) ? (prev.attributes.members as string[]) : [];
    const black =
      props.removal_policies_mode === 'update'
        ? []
        : Array.isArray(prev.data.blacklist)
          ? (prev.data.blacklist as string[])
          : [];
    const { members, blacklist } = groupMembers(
      Number(props.count ?? 1),
      existing,
      removeListOf(props),
      black,
    );
    const def = props.resource_def as JsonMap;
    const r = await rc.nested.update(
      prev.nestedId,
      groupTemplate(rc, members, def, String(props.index_var ?? '%index%')),
      {},
      rc.files,
    );
    return groupOutcome(r, members, blacklist);
  },
  async delete(rc, row) {
    if (row.nestedId) await rc.nested.delete(row.nestedId);
  },
  attribute: groupAttribute,
  anyAttribute: true,
  refId: (row) => row.nestedId,
};

export const resourceChainResource: ResourcePlugin = {
  type: 'OS::Heat::ResourceChain',
  description:
    'Creates a chain of resources, each depending on the one before (or all at once when concurrent).',
  properties: {
    resources: {
      type: 'list',
      required: true,
      updateAllowed: true,
      items: { type: 'string' },
      description: 'The list of resource types to create.',
    },
    concurrent: {
      type: 'boolean',
      default: false,
      description: 'If true, the resources in the chain will be created concurrently.',
    },
    resource_properties: {
      type: 'map',
      default: {},
      updateAllowed: true,
      description: 'Properties to pass to each resource being created in the chain.',
    },
  },
  attributes: {
    refs: 'A list of resource IDs for the resources in the chain.',
    refs_map: 'A map of resource names to IDs.',
  },
  async create(rc, props) {
    const types = (props.resources as Json[]).map(String);
    const members = types.map((_, i) => String(i));
    const def = { types, properties: props.resource_properties ?? {}, concurrent: props.concurrent === true };
    const r = await rc.nested.create(groupTemplate(rc, members, def, '%index%', true), {}, rc.files);
    return groupOutcome(r, members, []);
  },
  async update(rc, props, prev) {
    if (!prev.nestedId) return this.create(rc, props);
    const types = (props.resources as Json[]).map(String);
    const members = types.map((_, i) => String(i));
    const def = { types, properties: props.resource_properties ?? {}, concurrent: props.concurrent === true };
    const r = await rc.nested.update(
      prev.nestedId,
      groupTemplate(rc, members, def, '%index%', true),
      {},
      rc.files,
    );
    return groupOutcome(r, members, []);
  },
  async delete(rc, row) {
    if (row.nestedId) await rc.nested.delete(row.nestedId);
  },
  attribute: groupAttribute,
  anyAttribute: true,
  refId: (row) => row.nestedId,
};
