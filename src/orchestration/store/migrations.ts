// The orchestration service's tables: stacks (nested ones point at their parent and root), their
// resources, Heat's event list, and software configs. JSON documents are TEXT; times epoch ms.
import type { Migration } from '../../platform/db/migrate.ts';

const events = (idColumn: string) => `CREATE TABLE heat_events (
      seq ${idColumn}, id TEXT NOT NULL UNIQUE, stack_id TEXT NOT NULL, root_stack_id TEXT NOT NULL,
      resource_name TEXT NOT NULL, physical_id TEXT NOT NULL, resource_type TEXT NOT NULL,
      action TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, created_at BIGINT NOT NULL
    );
    CREATE INDEX heat_events_stack ON heat_events (stack_id, seq);
    CREATE INDEX heat_events_root ON heat_events (root_stack_id, seq)`;

const tables = `CREATE TABLE heat_stacks (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, project_id TEXT NOT NULL, user_id TEXT NOT NULL,
      parent_id TEXT, parent_resource TEXT, root_id TEXT NOT NULL,
      action TEXT NOT NULL, status TEXT NOT NULL, status_reason TEXT NOT NULL,
      template TEXT NOT NULL, environment TEXT NOT NULL, files TEXT NOT NULL, params TEXT NOT NULL,
      prev TEXT, disable_rollback INTEGER NOT NULL, timeout_mins INTEGER, tags TEXT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT, deleted_at BIGINT
    );
    CREATE INDEX heat_stacks_project ON heat_stacks (project_id, deleted_at);
    CREATE INDEX heat_stacks_parent ON heat_stacks (parent_id);
    CREATE UNIQUE INDEX heat_stacks_live_name ON heat_stacks (project_id, name) WHERE deleted_at IS NULL;
    CREATE TABLE heat_resources (
      stack_id TEXT NOT NULL REFERENCES heat_stacks (id) ON DELETE CASCADE, name TEXT NOT NULL,
      id TEXT NOT NULL, type TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
      status_reason TEXT NOT NULL, physical_id TEXT, properties TEXT NOT NULL, metadata TEXT NOT NULL,
      attributes TEXT NOT NULL, data TEXT NOT NULL, nested_id TEXT,
      created_at BIGINT NOT NULL, updated_at BIGINT, PRIMARY KEY (stack_id, name)
    );
    CREATE TABLE heat_software_configs (
      id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, grp TEXT NOT NULL,
      config TEXT NOT NULL, inputs TEXT NOT NULL, outputs TEXT NOT NULL, options TEXT NOT NULL,
      created_at BIGINT NOT NULL
    );
    CREATE INDEX heat_software_configs_project ON heat_software_configs (project_id, created_at)`;

export const orchestrationMigrations: Migration[] = [
  {
    id: '0001_stacks',
    sql: {
      sqlite: `${tables};\n    ${events('INTEGER PRIMARY KEY AUTOINCREMENT')}`,
      postgres: `${tables};\n    ${events('BIGSERIAL PRIMARY KEY')}`,
    },
  },
  {
    id: '0002_signals',
    sql: {
      sqlite: `CREATE TABLE heat_signals (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, stack_id TEXT NOT NULL, resource_name TEXT NOT NULL,
        data TEXT NOT NULL, created_at BIGINT NOT NULL
      );
      CREATE INDEX heat_signals_resource ON heat_signals (stack_id, resource_name, seq)`,
      postgres: `CREATE TABLE heat_signals (
        seq BIGSERIAL PRIMARY KEY, stack_id TEXT NOT NULL, resource_name TEXT NOT NULL,
        data TEXT NOT NULL, created_at BIGINT NOT NULL
      );
      CREATE INDEX heat_signals_resource ON heat_signals (stack_id, resource_name, seq)`,
    },
  },
  {
    // EC2-style access keys the engine issues (stack users, AWS::IAM::AccessKey, signal URLs), the secret
    // sealed; and software deployments (what a server is to apply, and what it answered).
    id: '0003_credentials_deployments',
    sql: `CREATE TABLE heat_access_keys (
        access_key TEXT PRIMARY KEY, secret TEXT NOT NULL, project_id TEXT NOT NULL, stack_id TEXT NOT NULL,
        resource_name TEXT NOT NULL, created_at BIGINT NOT NULL
      );
      CREATE INDEX heat_access_keys_owner ON heat_access_keys (stack_id, resource_name);
      CREATE TABLE heat_deployments (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL, server_id TEXT NOT NULL, config_id TEXT NOT NULL,
        action TEXT NOT NULL, status TEXT NOT NULL, status_reason TEXT NOT NULL, input_values TEXT NOT NULL,
        output_values TEXT NOT NULL, stack_id TEXT, resource_name TEXT,
        created_at BIGINT NOT NULL, updated_at BIGINT
      );
      CREATE INDEX heat_deployments_server ON heat_deployments (server_id)`,
  },
];
