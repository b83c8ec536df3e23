// OS::Keystone::UserRoleAssignment through the identity client, with the stack owner's token: grants
// `roles: [{role, project|domain}]` to an existing user (by name or id), changed by difference on update and
// revoked on delete.
import type { Grant } from '../../../identity/directory-client.ts';
import type { Json } from '../../model/template-format.ts';
import { applyGrants, grantsOf, idOf, keystone, ROLE_ITEM_SCHEMA, roleItems } from './keystone-lookup.ts';
import { physicalName } from './neutron-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Keystone::UserRoleAssignment';

export const keystoneUserRoleAssignmentResource: ResourcePlugin = {
  type: TYPE,
  description: 'Resource for granting roles to a user, through the identity service.',
  properties: {
    user: { type: 'string', required: true, description: 'Name or id of keystone user.' },
    roles: {
      type: 'list',
      default: [],
      updateAllowed: true,
      items: ROLE_ITEM_SCHEMA,
      description: 'List of role assignments.',
    },
  },
  attributes: {},
  async create(rc, props) {
    const k = keystone(rc, TYPE);
    const user = await idOf(k, rc, 'users', String(props.user));
    const grants = await grantsOf(k, rc, user, roleItems(props.roles));
    await applyGrants(k, rc, [], grants);
    return { physicalId: physicalName(rc), attributes: {}, data: { grants: grants as unknown as Json } };
  },
  async update(rc, props, prev) {
    const k = keystone(rc, TYPE);
    const before = (prev.data.grants as unknown as Grant[] | undefined) ?? [];
    const user = await idOf(k, rc, 'users', String(props.user));
    const grants = await grantsOf(k, rc, user, roleItems(props.roles));
    await applyGrants(k, rc, before, grants);
    return { physicalId: prev.physicalId, attributes: {}, data: { grants: grants as unknown as Json } };
  },
  async delete(rc, row) {
    const before = (row.data.grants as unknown as Grant[] | undefined) ?? [];
    if (before.length > 0) await applyGrants(keystone(rc, TYPE), rc, before, []);
  },
};
