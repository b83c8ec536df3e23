import type { Migration } from '../../platform/db/migrate.ts';

// The bare metal service's tables. Columns hold what lists filter on; `doc` holds the rest of the record
// as JSON; a node's driver_info is kept encrypted in `driver_info_enc` (the platform's secret box).
export const baremetalMigrations: Migration[] = [
  {
    id: '0001_initial',
    sql: `CREATE TABLE bm_nodes (
      uuid TEXT PRIMARY KEY, name TEXT UNIQUE, driver TEXT NOT NULL, provision_state TEXT NOT NULL,
      target_provision_state TEXT, power_state TEXT, maintenance INTEGER NOT NULL, fault TEXT,
      owner TEXT, lessee TEXT, instance_uuid TEXT UNIQUE, resource_class TEXT, conductor_group TEXT NOT NULL,
      chassis_uuid TEXT, reservation TEXT, provision_updated_at BIGINT, created_at BIGINT NOT NULL,
      driver_info_enc TEXT NOT NULL, doc TEXT NOT NULL
    );
    CREATE INDEX bm_nodes_state ON bm_nodes (provision_state);
    CREATE TABLE bm_ports (
      uuid TEXT PRIMARY KEY, address TEXT NOT NULL UNIQUE,
      node_uuid TEXT NOT NULL REFERENCES bm_nodes (uuid), created_at BIGINT NOT NULL, doc TEXT NOT NULL
    );
    CREATE INDEX bm_ports_node ON bm_ports (node_uuid);
    CREATE TABLE bm_chassis (
      uuid TEXT PRIMARY KEY, created_at BIGINT NOT NULL, doc TEXT NOT NULL
    );
    CREATE TABLE bm_allocations (
      uuid TEXT PRIMARY KEY, name TEXT UNIQUE, node_uuid TEXT UNIQUE, state TEXT NOT NULL,
      owner TEXT, created_at BIGINT NOT NULL, doc TEXT NOT NULL
    );
    CREATE TABLE bm_conductors (
      hostname TEXT PRIMARY KEY, conductor_group TEXT NOT NULL, drivers TEXT NOT NULL,
      started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL
    )`,
  },
  {
    // Port groups (1.23): a node's bonds; a port's group is in its doc (portgroup_uuid).
    id: '0002_portgroups',
    sql: `CREATE TABLE bm_portgroups (
      uuid TEXT PRIMARY KEY, name TEXT UNIQUE, address TEXT UNIQUE,
      node_uuid TEXT NOT NULL REFERENCES bm_nodes (uuid), created_at BIGINT NOT NULL, doc TEXT NOT NULL
    );
    CREATE INDEX bm_portgroups_node ON bm_portgroups (node_uuid)`,
  },
];
