// The embedded engine: node:sqlite on a file in the state directory (or :memory: in tests).
import { EventEmitter } from 'node:events';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Mutex } from './mutex.ts';
import type { Database, Queryable, Row, SqlValue } from './types.ts';

export function openSqlite(path: string): Database {
  const db = new DatabaseSync(path);
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL');
  const statements = new Map<string, StatementSync>();
  const mutex = new Mutex();
  const channels = new EventEmitter();
  channels.setMaxListeners(0);
  const held = new WeakMap<Queryable, [string, string][]>();

  const prepare = (sql: string): StatementSync => {
    let st = statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  };
  // Direct access, used while the mutex is already held (inside a transaction).
  const direct: Queryable = {
    // Rows come with a null prototype; plain objects behave like PostgreSQL's rows everywhere.
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql)
        .all(...params)
        .map((r) => ({ ...r }) as T),
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => {
      const row = prepare(sql).get(...params);
      return row === undefined ? undefined : ({ ...row } as T);
    },
    run: async (sql: string, params: readonly SqlValue[] = []) => ({
      changes: Number(prepare(sql).run(...params).changes),
    }),
  };

  return {
    engine: 'sqlite',
    all: <T = Row>(sql: string, params?: readonly SqlValue[]) => mutex.lock(() => direct.all<T>(sql, params)),
    get: <T = Row>(sql: string, params?: readonly SqlValue[]) => mutex.lock(() => direct.get<T>(sql, params)),
    run: (sql, params) => mutex.lock(() => direct.run(sql, params)),
    tx: (fn) =>
      mutex.lock(async () => {
        // Each transaction gets its own handle, so notifications sent through it wait for its COMMIT.
        const q: Queryable = { all: direct.all, get: direct.get, run: direct.run };
        const pending: [string, string][] = [];
        held.set(q, pending);
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(q);
          db.exec('COMMIT');
          for (const [channel, payload] of pending) channels.emit(channel, payload);
          return result;
        } catch (e) {
          db.exec('ROLLBACK');
          throw e;
        } finally {
          held.delete(q);
        }
      }),
    exec: (sql) => mutex.lock(() => db.exec(sql)),
    notify: async (channel, payload, q) => {
      const pending = q && held.get(q);
      if (pending) pending.push([channel, payload]);
      else channels.emit(channel, payload);
    },
    listen: async (channel, onMessage) => {
      channels.on(channel, onMessage);
      return async () => {
        channels.off(channel, onMessage);
      };
    },
    close: () =>
      mutex.lock(() => {
        if (db.isOpen) db.close();
      }),
  };
}
