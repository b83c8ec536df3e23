// OS::Keystone::Project through the identity client, with the stack owner's token (Keystone lets admins
// only). Name, domain, description, enabled and tags update in place; another parent replaces it.
import { changedProperties } from '../../model/properties.ts';
import type { JsonMap } from '../../model/template-format.ts';
import { deleteAndCheck, sharedBody, sharedPatch } from './keystone-entity.ts';
import { idOf, keystone } from './keystone-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Keystone::Project';

const attributesOf = (p: Record<string, unknown>): JsonMap => ({
  name: (p.name as string) ?? null,
  parent_id: (p.parent_id as string) ?? null,
  domain_id: (p.domain_id as string) ?? null,
  enabled: (p.enabled as boolean) ?? null,
  description: (p.description as string) ?? '',
  is_domain: (p.is_domain as boolean) ?? false,
});

export const keystoneProjectResource: ResourcePlugin = {
  type: TYPE,
  description: 'Heat Template Resource for Keystone Project, through the identity service.',
  properties: {
    name: { type: 'string', updateAllowed: true, description: 'Name of keystone project.' },
    domain: {
      type: 'string',
      default: 'default',
      updateAllowed: true,
      description: 'Name or id of keystone domain.',
    },
    description: {
      type: 'string',
      default: '',
      updateAllowed: true,
      description: 'Description of keystone project.',
    },
    enabled: {
      type: 'boolean',
      default: true,
      updateAllowed: true,
      description: 'This project is enabled or disabled.',
    },
    parent: {
      type: 'string',
      description: 'The name or ID of parent of this keystone project in hierarchy.',
    },
    tags: {
      type: 'list',
      default: [],
      updateAllowed: true,
      items: { type: 'string' },
      description: 'A list of tags for labeling and sorting projects.',
    },
  },
  attributes: {
    name: 'Project name.',
    parent_id: 'Parent project id.',
    domain_id: 'Domain id for project.',
    enabled: 'Flag of enable project.',
    description: 'Project description.',
    is_domain: 'Indicates whether the project also acts as a domain.',
  },
  async create(rc, props) {
    const k = keystone(rc, TYPE);
    const domain = await idOf(k, rc, 'domains', String(props.domain));
    const body = {
      ...sharedBody(rc, props, domain),
      tags: (props.tags as string[] | undefined) ?? [],
      ...(typeof props.parent === 'string'
        ? { parent_id: await idOf(k, rc, 'projects', props.parent, domain) }
        : {}),
    };
    const p = await k.dir.create(rc.ctx, k.token, 'projects', body);
    return { physicalId: p.id, attributes: attributesOf(p) };
  },
  async update(rc, props, prev) {
    const k = keystone(rc, TYPE);
    const patch: Record<string, unknown> = {};
    for (const key of changedProperties(prev.properties, props)) {
      Object.assign(patch, sharedPatch(rc, props, key));
      if (key === 'domain') patch.domain_id = await idOf(k, rc, 'domains', String(props.domain));
      if (key === 'tags') patch.tags = (props.tags as string[] | undefined) ?? [];
    }
    const id = String(prev.physicalId);
    const p = await k.dir.update(rc.ctx, k.token, 'projects', id, patch);
    return { physicalId: prev.physicalId, attributes: attributesOf(p) };
  },
  ...deleteAndCheck(TYPE, 'projects'),
};
