// What the Keystone resources that are one directory entity (project, user, role) share: the name when the
// template gives none, the fields projects and users both carry, and delete and check by the row's id.
import type { Collection } from '../../../identity/directory-client.ts';
import type { JsonMap } from '../../model/template-format.ts';
import { deleteQuietly, keystone } from './keystone-lookup.ts';
import { physicalName } from './neutron-lookup.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';

/** The template's name, else the physical name Heat makes from the stack and resource names. */
export function entityName(rc: ResourceContext, props: JsonMap): string {
  return typeof props.name === 'string' ? props.name : physicalName(rc);
}

/** The create body's fields a project and a user share. */
export function sharedBody(rc: ResourceContext, props: JsonMap, domainId: string) {
  return {
    name: entityName(rc, props),
    domain_id: domainId,
    description: String(props.description ?? ''),
    enabled: props.enabled !== false,
  };
}

/** The PATCH fields one changed property makes, for the properties a project and a user share. */
export function sharedPatch(rc: ResourceContext, props: JsonMap, key: string): Record<string, unknown> {
  if (key === 'name') return { name: entityName(rc, props) };
  if (key === 'description') return { description: String(props.description ?? '') };
  if (key === 'enabled') return { enabled: props.enabled !== false };
  return {};
}

/** Delete (one already gone counts as deleted) and check (it still exists), by the row's physical id. */
export function deleteAndCheck(type: string, kind: Collection): Pick<ResourcePlugin, 'delete' | 'check'> {
  return {
    async delete(rc, row) {
      await deleteQuietly(keystone(rc, type), rc, kind, row.physicalId);
    },
    async check(rc, row) {
      const k = keystone(rc, type);
      await k.dir.get(rc.ctx, k.token, kind, String(row.physicalId));
    },
  };
}
