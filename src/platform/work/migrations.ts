import type { Migration } from '../db/migrate.ts';

// The platform's own tables: leases, the event log and the worker registry, shared mechanisms every service uses.
export const platformMigrations: Migration[] = [
  {
    id: '0001_leases',
    sql: `CREATE TABLE leases (
      resource TEXT PRIMARY KEY, owner TEXT NOT NULL, purpose TEXT NOT NULL,
      acquired_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
    );
    CREATE INDEX leases_expiry ON leases (expires_at)`,
  },
  {
    id: '0002_events',
    sql: {
      sqlite: `CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,
        from_state TEXT, to_state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
        started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL, duration_ms BIGINT NOT NULL, details TEXT NOT NULL
      );
      CREATE INDEX events_resource ON events (resource_type, resource_id, id)`,
      postgres: `CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,
        from_state TEXT, to_state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
        started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL, duration_ms BIGINT NOT NULL, details TEXT NOT NULL
      );
      CREATE INDEX events_resource ON events (resource_type, resource_id, id)`,
    },
  },
  {
    // The fencing token: bumped whenever the lease passes to a holder that did not hold it live, so a
    // worker that lost its lease can no longer pass the check its writes are conditional on.
    id: '0003_lease_generation',
    sql: 'ALTER TABLE leases ADD COLUMN generation BIGINT NOT NULL DEFAULT 0',
  },
  {
    // Live workers per group (conductors, engines): the members of the hash ring.
    id: '0004_workers',
    sql: `CREATE TABLE workers (
      id TEXT NOT NULL, worker_group TEXT NOT NULL, started_at BIGINT NOT NULL,
      heartbeat_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (worker_group, id)
    )`,
  },
];
