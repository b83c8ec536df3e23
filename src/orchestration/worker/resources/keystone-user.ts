// OS::Keystone::User through the identity client, with the stack owner's token: the user, its password
// (hidden, never an attribute), default project and its role grants (`roles: [{role, project|domain}]`, as
// the era's templates wrote them). Everything but the domain updates in place; grants change by difference.
import type { Grant } from '../../../identity/directory-client.ts';
import { changedProperties } from '../../model/properties.ts';
import type { Json, JsonMap } from '../../model/template-format.ts';
import { deleteAndCheck, sharedBody, sharedPatch } from './keystone-entity.ts';
import {
  applyGrants,
  deleteQuietly,
  grantsOf,
  idOf,
  keystone,
  ROLE_ITEM_SCHEMA,
  roleItems,
} from './keystone-lookup.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Keystone::User';

const attributesOf = (u: Record<string, unknown>): JsonMap => ({
  name: (u.name as string) ?? null,
  default_project_id: (u.default_project_id as string) ?? null,
  domain_id: (u.domain_id as string) ?? null,
  enabled: (u.enabled as boolean) ?? null,
  password_expires_at: (u.password_expires_at as string) ?? null,
});

export const keystoneUserResource: ResourcePlugin = {
  type: TYPE,
  description: 'Heat Template Resource for Keystone User, through the identity service.',
  properties: {
    name: { type: 'string', updateAllowed: true, description: 'Name of keystone user.' },
    domain: { type: 'string', default: 'default', description: 'Name or ID of keystone domain.' },
    description: {
      type: 'string',
      default: '',
      updateAllowed: true,
      description: 'Description of keystone user.',
    },
    enabled: {
      type: 'boolean',
      default: true,
      updateAllowed: true,
      description: 'Keystone user is enabled or disabled.',
    },
    email: { type: 'string', updateAllowed: true, description: 'Email address of keystone user.' },
    password: { type: 'string', updateAllowed: true, description: 'Password of keystone user.' },
    default_project: {
      type: 'string',
      updateAllowed: true,
      description: 'Name or ID of default project of keystone user.',
    },
    roles: {
      type: 'list',
      default: [],
      updateAllowed: true,
      items: ROLE_ITEM_SCHEMA,
      description: 'List of role assignments.',
    },
  },
  attributes: {
    name: 'User name.',
    default_project_id: 'Default project id for user.',
    domain_id: 'Domain id for user.',
    enabled: 'Flag of enable user.',
    password_expires_at: 'Show user password expiration time.',
  },
  async create(rc, props) {
    const k = keystone(rc, TYPE);
    const domain = await idOf(k, rc, 'domains', String(props.domain));
    const body = {
      ...sharedBody(rc, props, domain),
      ...(typeof props.email === 'string' ? { email: props.email } : {}),
      ...(typeof props.password === 'string' ? { password: props.password } : {}),
      ...(typeof props.default_project === 'string'
        ? { default_project_id: await idOf(k, rc, 'projects', props.default_project, domain) }
        : {}),
    };
    const items = roleItems(props.roles);
    const u = await k.dir.create(rc.ctx, k.token, 'users', body);
    // The user exists from here on: a grant that fails leaves the id on the row, so delete finds it.
    const grants = await grantsOf(k, rc, u.id, items).catch(async (e) => {
      await deleteQuietly(k, rc, 'users', u.id);
      throw e;
    });
    await applyGrants(k, rc, [], grants).catch(async (e) => {
      await deleteQuietly(k, rc, 'users', u.id);
      throw e;
    });
    return { physicalId: u.id, attributes: attributesOf(u), data: { grants: grants as unknown as Json } };
  },
  async update(rc, props, prev) {
    const k = keystone(rc, TYPE);
    const id = String(prev.physicalId);
    const patch: Record<string, unknown> = {};
    const changed = changedProperties(prev.properties, props);
    for (const key of changed) {
      Object.assign(patch, sharedPatch(rc, props, key));
      if (key === 'email') patch.email = typeof props.email === 'string' ? props.email : null;
      if (key === 'password' && typeof props.password === 'string') patch.password = props.password;
      if (key === 'default_project')
        patch.default_project_id =
          typeof props.default_project === 'string'
            ? await idOf(k, rc, 'projects', props.default_project)
            : null;
    }
    const u =
      Object.keys(patch).length > 0
        ? await k.dir.update(rc.ctx, k.token, 'users', id, patch)
        : await k.dir.get(rc.ctx, k.token, 'users', id);
    const before = (prev.data.grants as unknown as Grant[] | undefined) ?? [];
    const grants = changed.includes('roles') ? await grantsOf(k, rc, id, roleItems(props.roles)) : before;
    if (changed.includes('roles')) await applyGrants(k, rc, before, grants);
    return {
      physicalId: prev.physicalId,
      attributes: attributesOf(u),
      data: { grants: grants as unknown as Json },
    };
  },
  // Keystone drops a deleted user's grants with it.
  ...deleteAndCheck(TYPE, 'users'),
};
