// Ironic's default policies reduced to our roles, as data. A node has two project targets: its owner and
// its lessee; an action `X` is checked against the owner, `X:lessee` against the lessee. A caller who may
// not even see a node gets 404 for it; one who sees it but may not act gets 403 (Ironic's order).
import type { PolicyTable } from '../../platform/policy/policy.ts';

const ADMIN = ['admin'] as const;
const OWNER_READER = ['reader', 'owner'] as const;
const OWNER_MEMBER = ['member', 'owner'] as const;
// The compute service's user (Ironic's `service` role): it claims, deploys and undeploys nodes for instances.
const SERVICE = ['service'] as const;

export const BAREMETAL_POLICY: PolicyTable = {
  'node:get': [ADMIN, OWNER_READER, SERVICE],
  'node:get:lessee': [OWNER_READER],
  'node:create': [ADMIN],
  // Ironic's baremetal:node:list_all: every node, not only the caller's project's.
  'node:list_all': [ADMIN, SERVICE],
  'node:delete': [ADMIN],
  // Owners may edit a node's descriptive and instance fields; everything else is the operator's.
  'node:update': [ADMIN],
  'node:update_owner_fields': [ADMIN, OWNER_MEMBER, SERVICE],
  'node:update_owner_fields:lessee': [OWNER_MEMBER],
  'node:set_provision_state': [ADMIN, OWNER_MEMBER, SERVICE],
  // A lessee may deploy, rebuild and undeploy the node it leases, nothing else.
  'node:set_provision_state:lessee': [OWNER_MEMBER],
  'node:set_power_state': [ADMIN, OWNER_MEMBER, SERVICE],
  'node:set_power_state:lessee': [OWNER_MEMBER],
  'node:set_maintenance': [ADMIN, OWNER_MEMBER],
  'node:set_boot_device': [ADMIN, OWNER_MEMBER],
  'node:validate': [ADMIN, OWNER_READER],
  'node:validate:lessee': [OWNER_READER],
  'node:traits:set': [ADMIN, OWNER_MEMBER],
  'port:get': [ADMIN, OWNER_READER, SERVICE],
  'port:get:lessee': [OWNER_READER],
  'port:create': [ADMIN],
  'port:update': [ADMIN],
  'port:delete': [ADMIN],
  'portgroup:get': [ADMIN, OWNER_READER],
  'portgroup:get:lessee': [OWNER_READER],
  'portgroup:create': [ADMIN],
  'portgroup:update': [ADMIN],
  'portgroup:delete': [ADMIN],
  'driver:get': [ADMIN],
  'chassis:get': [ADMIN],
  'chassis:manage': [ADMIN],
  'conductor:get': [ADMIN],
  'allocation:get': [ADMIN, OWNER_READER, SERVICE],
  'allocation:create': [ADMIN, ['member'], SERVICE],
  'allocation:delete': [ADMIN, OWNER_MEMBER, SERVICE],
  // Who may name an allocation's owner (others' allocations are owned by their project).
  'allocation:create_any_owner': [ADMIN, SERVICE],
};

/** Owner fields: what node:update_owner_fields lets an owner or lessee change. */
export const OWNER_FIELDS = new Set(['extra', 'instance_info', 'instance_uuid', 'description', 'name']);

/** Verbs a lessee may send. */
export const LESSEE_VERBS = new Set(['deploy', 'rebuild', 'delete']);
