// The process survives its PostgreSQL connections being cut (a server restart, a failover, an operator's
// pg_terminate_backend), and listening resumes by itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import type { Database } from '../../src/platform/db/types.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';

describe('postgres connection loss', { skip: postgresUnavailable() }, () => {
  let pg: TestPostgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  const open = () => {
    if (!pg) throw new Error('postgres did not start');
    const errors: string[] = [];
    const url = createDatabase(pg.url, `t_${randomBytes(6).toString('hex')}`);
    const db = openPostgres(url, {
      onError: (e, where) => errors.push(`${where}: ${e.message}`),
      maxReconnectMs: 200,
    });
    return { db, errors };
  };

  /** Cuts every other connection to this test's database, as an operator or a failover would. */
  const cutOthers = (db: Database) =>
    db.all<{ pid: number }>(
      `SELECT pid FROM (SELECT pid, CASE WHEN pid <> pg_backend_pid() THEN pg_terminate_backend(pid) END AS cut
         FROM pg_stat_activity WHERE datname = current_database()) s WHERE cut`,
    );

  /** Notifies until one arrives (the listener may still be reconnecting); failures of a cut pool retry. */
  const pingUntilHeard = async (db: Database, heard: () => boolean) => {
    for (let i = 0; !heard(); i++) {
      await db.notify('wake', `ping ${i}`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  test('idle pool clients and the listener are cut: no crash, queries work, listening resumes', async () => {
    const { db, errors } = open();
    try {
      const got: string[] = [];
      await db.listen('wake', (p) => got.push(p));
      // Fill the pool with idle clients: several queries at once each take one.
      await Promise.all(Array.from({ length: 5 }, () => db.get('SELECT pg_sleep(0.05)')));
      await db.notify('wake', 'before');
      await pingUntilHeard(db, () => got.includes('before'));

      const cut = await cutOthers(db);
      assert.ok(cut.length >= 1, 'the listener (at least) was cut');
      await waitUntil(() => errors.some((e) => e.startsWith('listener')));
      // Still alive: the next queries find fresh connections.
      for (let i = 0; i < 5; i++)
        assert.deepEqual(await retryOnce(() => db.get('SELECT 1 AS one')), { one: 1 });
      got.length = 0;
      await pingUntilHeard(db, () => got.length > 0);
      assert.match(got[0] ?? '', /^ping \d+$/);
    } finally {
      await db.close();
    }
  });

  test('a connection cut in the middle of a transaction fails that transaction only', async () => {
    const { db, errors } = open();
    try {
      await db.exec('CREATE TABLE t (x INTEGER)');
      const other = openPostgres((await urlOf(db)) ?? '');
      try {
        const err = await db
          .tx(async (q) => {
            await q.run('INSERT INTO t (x) VALUES (1)');
            const me = await q.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
            await other.get('SELECT pg_terminate_backend(?)', [me?.pid ?? 0]);
            await waitUntil(() => errors.length > 0);
            await q.run('INSERT INTO t (x) VALUES (2)');
          })
          .catch((e: unknown) => e);
        assert.ok(err instanceof Error, 'the transaction failed');
        assert.deepEqual(
          await db.get('SELECT COUNT(*)::int AS n FROM t'),
          { n: 0 },
          'nothing of it committed',
        );
      } finally {
        await other.close();
      }
    } finally {
      await db.close();
    }
  });
});

async function urlOf(db: Database): Promise<string | undefined> {
  const r = await db.get<{ db: string; port: string }>(
    "SELECT current_database() AS db, current_setting('port') AS port",
  );
  return r ? `postgres://postgres@127.0.0.1:${r.port}/${r.db}` : undefined;
}

async function retryOnce<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    return fn();
  }
}

async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
