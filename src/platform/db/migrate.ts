// Versioned migrations per service, applied in order on start, each once, inside a transaction.
// Several processes starting together on PostgreSQL serialise on an advisory lock.
import type { Database } from './types.ts';

export interface Migration {
  /** Sortable and unique within its service, e.g. "0001_initial". */
  id: string;
  /** Portable SQL, or one script per engine where they must differ. */
  sql: string | { sqlite: string; postgres: string };
}

const MIGRATION_LOCK = 7_310_001; // an arbitrary advisory-lock key owned by this project

export async function migrate(
  db: Database,
  service: string,
  migrations: readonly Migration[],
): Promise<string[]> {
  const ids = migrations.map((m) => m.id);
  if (new Set(ids).size !== ids.length) throw new Error(`duplicate migration id in ${service}`);
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (service TEXT NOT NULL, id TEXT NOT NULL, ' +
      'applied_at BIGINT NOT NULL, PRIMARY KEY (service, id))',
  );
  return db.tx(async (q) => {
    if (db.engine === 'postgres') await q.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    const done = new Set(
      (await q.all<{ id: string }>('SELECT id FROM schema_migrations WHERE service = ?', [service])).map(
        (r) => r.id,
      ),
    );
    const applied: string[] = [];
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (done.has(m.id)) continue;
      const script = typeof m.sql === 'string' ? m.sql : m.sql[db.engine];
      for (const statement of splitStatements(script)) await q.run(statement);
      await q.run('INSERT INTO schema_migrations (service, id, applied_at) VALUES (?, ?, ?)', [
        service,
        m.id,
        Date.now(),
      ]);
      applied.push(m.id);
    }
    return applied;
  });
}

/** Splits a DDL script on semicolons at line ends (our migrations keep one statement per semicolon). */
export function splitStatements(script: string): string[] {
  return script
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
