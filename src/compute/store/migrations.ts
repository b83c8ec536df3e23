// The compute service's tables (prefix cmp_). Times are epoch milliseconds; JSON is TEXT.
import type { Migration } from '../../platform/db/migrate.ts';

const initial = `
CREATE TABLE cmp_flavors (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, ram INTEGER NOT NULL, vcpus INTEGER NOT NULL,
  disk INTEGER NOT NULL, swap INTEGER NOT NULL, ephemeral INTEGER NOT NULL, rxtx_factor DOUBLE PRECISION NOT NULL,
  disabled INTEGER NOT NULL, is_public INTEGER NOT NULL, description TEXT,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE TABLE cmp_flavor_extra_specs (
  flavor_id TEXT NOT NULL REFERENCES cmp_flavors (id) ON DELETE CASCADE, spec_key TEXT NOT NULL,
  spec_value TEXT NOT NULL, PRIMARY KEY (flavor_id, spec_key)
);
CREATE TABLE cmp_flavor_projects (
  flavor_id TEXT NOT NULL REFERENCES cmp_flavors (id) ON DELETE CASCADE, project_id TEXT NOT NULL,
  PRIMARY KEY (flavor_id, project_id)
);
CREATE TABLE cmp_keypairs (
  id BIGINT NOT NULL UNIQUE, user_id TEXT NOT NULL, name TEXT NOT NULL, key_type TEXT NOT NULL,
  fingerprint TEXT NOT NULL, public_key TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE cmp_quotas (
  project_id TEXT NOT NULL, resource TEXT NOT NULL, hard_limit BIGINT NOT NULL, PRIMARY KEY (project_id, resource)
);
CREATE TABLE cmp_server_groups (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, project_id TEXT NOT NULL, user_id TEXT NOT NULL,
  policy TEXT NOT NULL, rules TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE INDEX cmp_server_groups_project ON cmp_server_groups (project_id);
CREATE TABLE cmp_hypervisor_ids (
  id BIGINT PRIMARY KEY, node_uuid TEXT NOT NULL UNIQUE
)`;

// Quota classes: Nova keeps one that matters, "default", whose limits replace the configured defaults.
const quotaClasses = `
CREATE TABLE cmp_quota_classes (
  class_name TEXT NOT NULL, resource TEXT NOT NULL, hard_limit BIGINT NOT NULL, PRIMARY KEY (class_name, resource)
)`;

// Servers (the whole record as JSON beside the columns that are filtered, counted or compare-and-set) and
// their instance actions with events.
const servers = `
CREATE TABLE cmp_servers (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,
  vm_state TEXT NOT NULL, task_state TEXT, node_uuid TEXT, group_id TEXT, vcpus INTEGER NOT NULL,
  ram INTEGER NOT NULL, version BIGINT NOT NULL, internal_id BIGINT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX cmp_servers_project ON cmp_servers (project_id);
CREATE INDEX cmp_servers_group ON cmp_servers (group_id);
CREATE TABLE cmp_instance_actions (
  request_id TEXT NOT NULL, server_id TEXT NOT NULL, action TEXT NOT NULL, project_id TEXT NOT NULL,
  user_id TEXT NOT NULL, start_time BIGINT NOT NULL, seq BIGINT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (server_id, request_id)
);
CREATE INDEX cmp_instance_actions_server ON cmp_instance_actions (server_id, seq)`;

export const computeMigrations: Migration[] = [
  { id: '0001_initial', sql: initial },
  { id: '0002_quota_classes', sql: quotaClasses },
  { id: '0003_servers', sql: servers },
];
