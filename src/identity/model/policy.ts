// Who may call what in the identity API: rules as data, enforced by src/platform/policy.
// Admin manages everything; a user reads itself and manages its own application credentials (a password
// change needs no token: the original password is the proof); any token may read the role and catalog lists a CLI needs to resolve names.
import type { PolicyTable } from '../../platform/policy/policy.ts';

const ADMIN = [['admin']] as const;
const ADMIN_OR_SELF = [['admin'], ['self']] as const;
const READER = [['admin'], ['reader']] as const;

export const IDENTITY_POLICY: PolicyTable = {
  'identity:validate_token': [['admin'], ['service'], ['self']],
  'identity:revoke_token': [['admin'], ['service'], ['self']],
  'identity:get_domain': [['admin'], ['reader']],
  'identity:list_domains': ADMIN,
  'identity:manage_domain': ADMIN,
  'identity:get_project': [['admin'], ['owner']],
  'identity:list_projects': ADMIN,
  'identity:list_user_projects': ADMIN_OR_SELF,
  'identity:manage_project': ADMIN,
  'identity:get_user': ADMIN_OR_SELF,
  'identity:list_users': ADMIN,
  'identity:manage_user': ADMIN,
  'identity:list_user_groups': ADMIN_OR_SELF,
  'identity:get_group': ADMIN,
  'identity:list_groups': ADMIN,
  'identity:manage_group': ADMIN,
  'identity:get_role': READER,
  'identity:list_roles': READER,
  'identity:manage_role': ADMIN,
  'identity:list_role_assignments': ADMIN,
  'identity:list_own_role_assignments': ADMIN_OR_SELF,
  'identity:manage_grant': ADMIN,
  'identity:get_catalog': READER,
  'identity:manage_catalog': ADMIN,
  'identity:manage_application_credential': ADMIN_OR_SELF,
};
