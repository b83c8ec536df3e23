// The identity service's tables. Portable SQL: booleans as 0/1, JSON as TEXT, times as epoch ms.
// Assignments point at users/groups and projects/domains/system by type, so they carry no foreign key
// there; the store removes them in the same transaction as their actor or target.
import type { Migration } from '../../platform/db/migrate.ts';

const revocations = (serial: string) => `CREATE TABLE identity_revocations (
  seq ${serial}, audit_id TEXT, user_id TEXT, project_id TEXT, domain_id TEXT, app_cred_id TEXT,
  issued_before BIGINT NOT NULL, purge_after BIGINT NOT NULL
);
CREATE INDEX identity_revocations_purge ON identity_revocations (purge_after)`;

export const identityMigrations: Migration[] = [
  {
    id: '0001_identity',
    sql: `CREATE TABLE identity_domains (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
      enabled INTEGER NOT NULL DEFAULT 1, tags TEXT NOT NULL DEFAULT '[]', options TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE identity_projects (
      id TEXT PRIMARY KEY, domain_id TEXT NOT NULL REFERENCES identity_domains (id), name TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1, parent_id TEXT,
      tags TEXT NOT NULL DEFAULT '[]', options TEXT NOT NULL DEFAULT '{}', UNIQUE (domain_id, name)
    );
    CREATE TABLE identity_users (
      id TEXT PRIMARY KEY, domain_id TEXT NOT NULL REFERENCES identity_domains (id), name TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1, default_project_id TEXT, password_hash TEXT,
      password_changed_at BIGINT, email TEXT, description TEXT NOT NULL DEFAULT '',
      options TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, UNIQUE (domain_id, name)
    );
    CREATE TABLE identity_groups (
      id TEXT PRIMARY KEY, domain_id TEXT NOT NULL REFERENCES identity_domains (id), name TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '', UNIQUE (domain_id, name)
    );
    CREATE TABLE identity_group_members (
      group_id TEXT NOT NULL REFERENCES identity_groups (id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,
      PRIMARY KEY (group_id, user_id)
    );
    CREATE INDEX identity_group_members_user ON identity_group_members (user_id);
    CREATE TABLE identity_roles (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, domain_key TEXT NOT NULL DEFAULT '',
      description TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '{}', UNIQUE (domain_key, name)
    );
    CREATE TABLE identity_role_implications (
      prior_role_id TEXT NOT NULL REFERENCES identity_roles (id) ON DELETE CASCADE,
      implied_role_id TEXT NOT NULL REFERENCES identity_roles (id) ON DELETE CASCADE,
      PRIMARY KEY (prior_role_id, implied_role_id)
    );
    CREATE TABLE identity_assignments (
      actor_type TEXT NOT NULL, actor_id TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL,
      role_id TEXT NOT NULL REFERENCES identity_roles (id) ON DELETE CASCADE,
      PRIMARY KEY (actor_type, actor_id, target_type, target_id, role_id)
    );
    CREATE INDEX identity_assignments_target ON identity_assignments (target_type, target_id);
    CREATE TABLE identity_regions (
      id TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', parent_region_id TEXT
    );
    CREATE TABLE identity_services (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
      description TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE identity_endpoints (
      id TEXT PRIMARY KEY, service_id TEXT NOT NULL REFERENCES identity_services (id) ON DELETE CASCADE,
      interface TEXT NOT NULL, region_id TEXT REFERENCES identity_regions (id), url TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE identity_app_credentials (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,
      project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
      secret_hash TEXT NOT NULL, roles TEXT NOT NULL, expires_at BIGINT, unrestricted INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL, UNIQUE (user_id, name)
    )`,
  },
  {
    id: '0002_revocations',
    sql: {
      sqlite: revocations('INTEGER PRIMARY KEY AUTOINCREMENT'),
      postgres: revocations('BIGSERIAL PRIMARY KEY'),
    },
  },
  {
    id: '0003_app_credential_expiry_text',
    sql: 'ALTER TABLE identity_app_credentials ADD COLUMN expires_text TEXT',
  },
  // Keystone keeps a user's unknown attributes and shows them back (tempest sets `project_id`).
  { id: '0004_user_extra', sql: "ALTER TABLE identity_users ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'" },
];
