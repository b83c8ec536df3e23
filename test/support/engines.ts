// Runs a suite on each storage engine: SQLite always, PostgreSQL where the server is installed.
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { createDatabase, postgresUnavailable, startPostgres, type TestPostgres } from './postgres.ts';

export type EngineName = 'sqlite' | 'postgres';

/** describe() once per engine; `fresh()` gives a new empty database (a new file or a new PG database). */
export function forEachEngine(
  title: string,
  body: (fresh: () => Promise<Database>, engine: EngineName) => void,
) {
  describe(`${title} [sqlite]`, () => {
    const open: Database[] = [];
    after(async () => {
      for (const db of open) await db.close();
    });
    body(async () => {
      const db = openDatabase(':memory:');
      open.push(db);
      return db;
    }, 'sqlite');
  });
  const skip = postgresUnavailable();
  describe(`${title} [postgres]`, { skip }, () => {
    let pg: TestPostgres | undefined;
    const open: Database[] = [];
    before(async () => {
      pg = await startPostgres();
    });
    after(async () => {
      for (const db of open) await db.close();
      pg?.stop();
    });
    body(async () => {
      if (!pg) throw new Error('postgres did not start');
      const db = openDatabase(createDatabase(pg.url, `t_${randomBytes(6).toString('hex')}`));
      open.push(db);
      return db;
    }, 'postgres');
  });
}
