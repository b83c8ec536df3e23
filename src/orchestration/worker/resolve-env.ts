// The resolution environment of one stack at one moment: its parameters (and pseudo-parameters), the
// current rows of its resources, its files and its conditions (evaluated once, cycles refused).
import { TemplateError } from '../model/errors.ts';
import type { ResolveEnv } from '../model/functions/call.ts';
import { evaluateCondition } from '../model/functions/resolve.ts';
import type { Template } from '../model/template.ts';
import { isMap, type Json } from '../model/template-format.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import { attributeOf, type ResourcePlugin, refOf } from './resources/plugin.ts';

export interface StackScope {
  stack: Pick<StackRow, 'id' | 'name' | 'projectId' | 'parentResource'>;
  template: Template;
  params: Record<string, Json>;
  files: Record<string, string>;
  plugins: ReadonlyMap<string, ResourcePlugin>;
  rows: ReadonlyMap<string, ResourceRow>;
  region: string;
  /** For resource_facade inside a template resource's template. */
  facade?: { metadata: Json; deletion_policy: Json; update_policy: Json };
}

export function pseudoParams(s: StackScope): Record<string, Json> {
  return {
    'OS::stack_name': s.stack.name,
    'OS::stack_id': s.stack.id,
    'OS::project_id': s.stack.projectId,
    'AWS::StackName': s.stack.name,
    'AWS::StackId': `arn:openstack:heat::${s.stack.projectId}:stacks/${s.stack.name}/${s.stack.id}`,
    'AWS::Region': s.region,
    'AWS::AccountId': s.stack.projectId,
    'AWS::NoValue': null,
  };
}

export function makeResolveEnv(s: StackScope): ResolveEnv & { conditionOf(name: string): boolean } {
  const pseudo = pseudoParams(s);
  const memo = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const env: ResolveEnv & { conditionOf(name: string): boolean } = {
    version: s.template.version,
    isParam: (n) => n in s.params || n in pseudo,
    param: (n) => (n in s.params ? (s.params[n] as Json) : (pseudo[n] ?? null)),
    isResource: (n) => s.template.resources.has(n),
    ref: (n) => {
      const row = s.rows.get(n);
      return row ? refOf(s.plugins.get(n), row) : null;
    },
    attr: (n, a, path) => {
      const row = s.rows.get(n);
      if (!row) return null;
      const plugin = s.plugins.get(n);
      if (a === undefined) {
        const names = Object.keys(plugin?.attributes ?? {});
        return Object.fromEntries(
          [...new Set([...names, ...Object.keys(row.attributes)])].map((k) => [
            k,
            attributeOf(plugin, row, k),
          ]),
        );
      }
      if (
        plugin &&
        plugin.properties !== null &&
        !plugin.anyAttribute &&
        !(a in plugin.attributes) &&
        a !== 'show' &&
        !a.startsWith('resource.') &&
        !a.startsWith('attributes.') &&
        !isNestedAttr(plugin, a)
      ) {
        throw new TemplateError(`The Referenced Attribute (${n} ${a}) is incorrect.`, {
          path,
          type: 'InvalidTemplateAttribute',
        });
      }
      return attributeOf(plugin, row, a);
    },
    file: (url, path) => {
      const text = s.files[url];
      if (text === undefined)
        throw new TemplateError(`No content found in the "files" section for get_file path: ${url}`, {
          path,
        });
      return text;
    },
    condition: (name) => env.conditionOf(name),
    conditionOf: (name) => {
      const m = memo.get(name);
      if (m !== undefined) return m;
      if (!(name in s.template.conditions))
        throw new TemplateError(`Invalid condition "${name}"`, { path: ['conditions'] });
      if (evaluating.has(name))
        throw new TemplateError(`Circular definition for condition "${name}"`, {
          path: ['conditions', name],
        });
      evaluating.add(name);
      const v = evaluateCondition(s.template.conditions[name] as Json, env, ['conditions', name]);
      evaluating.delete(name);
      memo.set(name, v);
      return v;
    },
    facade: (kind, path) => {
      if (!s.facade)
        throw new TemplateError('resource_facade is only available inside a template resource.', { path });
      if (!(kind in s.facade))
        throw new TemplateError(`Invalid resource_facade argument "${kind}".`, { path });
      return s.facade[kind as keyof typeof s.facade];
    },
    mapping: (m, k, sub, path) => {
      const map = s.template.mappings[m];
      if (!isMap(map)) throw new TemplateError(`Mapping "${m}" not found.`, { path });
      const entry = map[k];
      if (!isMap(entry)) throw new TemplateError(`Key "${k}" not found in mapping "${m}".`, { path });
      return entry[sub] ?? null;
    },
  };
  return env;
}

/** Nested stacks (Stack, template resources) expose their outputs as attributes of any name. */
function isNestedAttr(plugin: ResourcePlugin, _a: string): boolean {
  return (
    plugin.type === 'OS::Heat::Stack' ||
    plugin.type === 'OS::Heat::ResourceGroup' ||
    plugin.type === 'OS::Heat::ResourceChain'
  );
}

/** Whether a resource exists in this stack (no condition, or one that holds). */
export function resourceEnabled(env: ReturnType<typeof makeResolveEnv>, t: Template, name: string): boolean {
  const r = t.resources.get(name);
  if (!r || r.condition === undefined) return true;
  return evaluateCondition(r.condition, env, ['resources', name, 'condition']);
}
