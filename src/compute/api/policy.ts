// Who may call what, as data (Nova's default policies reduced to our roles). "self" rules compare the
// caller with the keypair's user; "owner" with the project owning a quota set or server group.
import type { PolicyTable } from '../../platform/policy/policy.ts';

const ADMIN = ['admin'] as const;
const ANY = ['any'] as const;
const SELF = ['self'] as const;
const OWNER_MEMBER = ['member', 'owner'] as const;
const OWNER_READER = ['reader', 'owner'] as const;

export const COMPUTE_POLICY: PolicyTable = {
  'flavors:index': [ANY],
  'flavors:show': [ANY],
  'flavors:create': [ADMIN],
  'flavors:update': [ADMIN],
  'flavors:delete': [ADMIN],
  'flavor_extra_specs:index': [ANY],
  'flavor_extra_specs:show': [ANY],
  'flavor_extra_specs:create': [ADMIN],
  'flavor_extra_specs:update': [ADMIN],
  'flavor_extra_specs:delete': [ADMIN],
  'flavor_access:index': [ADMIN],
  'flavor_access:add_tenant_access': [ADMIN],
  'flavor_access:remove_tenant_access': [ADMIN],
  // Flavors of every visibility (is_public=None, or false) are for admins; others see what they may use.
  'flavors:all_visibilities': [ADMIN],
  'keypairs:index': [ADMIN, SELF],
  'keypairs:show': [ADMIN, SELF],
  'keypairs:create': [ADMIN, SELF],
  'keypairs:delete': [ADMIN, SELF],
  'quotas:show': [ADMIN, OWNER_READER],
  'quotas:update': [ADMIN],
  'quotas:delete': [ADMIN],
  'quotas:defaults': [ANY],
  'quota_classes:show': [ADMIN],
  'quota_classes:update': [ADMIN],
  'limits:index': [ANY],
  // Limits of another project (?tenant_id=) are for admins.
  'limits:other_project': [ADMIN],
  'availability_zone:list': [ANY],
  'availability_zone:detail': [ADMIN],
  'hypervisors:list': [ADMIN],
  'hypervisors:show': [ADMIN],
  'hypervisors:search': [ADMIN],
  'hypervisors:servers': [ADMIN],
  'hypervisors:uptime': [ADMIN],
  'server_groups:create': [ADMIN, ['member']],
  'server_groups:index': [ADMIN, ['reader']],
  'server_groups:index:all_projects': [ADMIN],
  'server_groups:show': [ADMIN, OWNER_READER],
  'server_groups:delete': [ADMIN, OWNER_MEMBER],
  // Servers: the project's members act, its readers look; admins see and act on every project's.
  'servers:create': [ADMIN, ['member']],
  'servers:index': [ADMIN, ['reader']],
  'servers:index:get_all_tenants': [ADMIN],
  'servers:show': [ADMIN, OWNER_READER],
  'servers:show:host_status': [ADMIN],
  'servers:update': [ADMIN, OWNER_MEMBER],
  'servers:delete': [ADMIN, OWNER_MEMBER],
  'servers:action': [ADMIN, OWNER_MEMBER],
  'admin_actions:reset_state': [ADMIN],
  'servers:extended_attributes': [ADMIN],
  'server_tags:index': [ADMIN, OWNER_READER],
  'server_tags:update': [ADMIN, OWNER_MEMBER],
  'server_metadata:index': [ADMIN, OWNER_READER],
  'server_metadata:update': [ADMIN, OWNER_MEMBER],
  'instance_actions:list': [ADMIN, OWNER_READER],
  'instance_actions:events:details': [ADMIN],
  console_output: [ADMIN, OWNER_MEMBER],
};
