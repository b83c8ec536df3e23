// OS::Keystone::Role through the identity client, with the stack owner's token. The name updates in
// place; a role in another domain replaces it.
import type { JsonMap } from '../../model/template-format.ts';
import { deleteAndCheck, entityName } from './keystone-entity.ts';
import { idOf, keystone } from './keystone-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Keystone::Role';

const attributesOf = (r: Record<string, unknown>): JsonMap => ({
  name: (r.name as string) ?? null,
  domain_id: (r.domain_id as string) ?? null,
});

export const keystoneRoleResource: ResourcePlugin = {
  type: TYPE,
  description: 'Heat Template Resource for Keystone Role, through the identity service.',
  properties: {
    name: { type: 'string', updateAllowed: true, description: 'Name of keystone role.' },
    domain: { type: 'string', description: 'Name or id of keystone domain (a domain-specific role).' },
  },
  attributes: { name: 'Role name.', domain_id: 'Domain of a domain-specific role.' },
  async create(rc, props) {
    const k = keystone(rc, TYPE);
    const body = {
      name: entityName(rc, props),
      ...(typeof props.domain === 'string' ? { domain_id: await idOf(k, rc, 'domains', props.domain) } : {}),
    };
    const r = await k.dir.create(rc.ctx, k.token, 'roles', body);
    return { physicalId: r.id, attributes: attributesOf(r) };
  },
  async update(rc, props, prev) {
    const k = keystone(rc, TYPE);
    const name = entityName(rc, props);
    const r = await k.dir.update(rc.ctx, k.token, 'roles', String(prev.physicalId), { name });
    return { physicalId: prev.physicalId, attributes: attributesOf(r) };
  },
  ...deleteAndCheck(TYPE, 'roles'),
};
