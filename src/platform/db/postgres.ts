// The engine for several processes and hosts: PostgreSQL through `pg`, selected by a postgres:// URL.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isSerializationFailure } from './errors.ts';
import { toPostgresPlaceholders } from './placeholders.ts';
import type { Database, Queryable, Row, SqlValue } from './types.ts';

// BIGINT (int8) and NUMERIC arrive as strings by default; our values (epoch ms, sizes) fit in a double.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

// Serializable transactions that lose a race are retried after a short random pause.
const SERIALIZATION_RETRIES = 40;

export function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  const sqlCache = new Map<string, string>();
  const rewrite = (sql: string): string => {
    let out = sqlCache.get(sql);
    if (out === undefined) {
      out = toPostgresPlaceholders(sql);
      sqlCache.set(sql, out);
    }
    return out;
  };
  const over = (client: pg.Pool | pg.PoolClient): Queryable => ({
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(rewrite(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(rewrite(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => ({
      changes: (await client.query(rewrite(sql), params as unknown[])).rowCount ?? 0,
    }),
  });
  const direct = over(pool);
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();

  return {
    engine: 'postgres',
    all: <T = Row>(sql: string, params?: readonly SqlValue[]) => direct.all<T>(sql, params),
    get: <T = Row>(sql: string, params?: readonly SqlValue[]) => direct.get<T>(sql, params),
    run: (sql, params) => direct.run(sql, params),
    async tx(fn, opts = {}) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query(opts.serializable ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN');
          const result = await fn(over(client));
          await client.query('COMMIT');
          return result;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (!(opts.serializable && isSerializationFailure(e) && attempt < SERIALIZATION_RETRIES)) throw e;
        } finally {
          client.release();
        }
        await sleep(Math.random() * Math.min(50, 2 * attempt));
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async notify(channel, payload, q) {
      // Inside a transaction PostgreSQL itself holds the notification until COMMIT.
      await (q ?? direct).run('SELECT pg_notify(?, ?)', [channel, payload]);
    },
    async listen(channel, onMessage) {
      if (!listener) {
        listener = new pg.Client({ connectionString: url, types });
        await listener.connect();
        listener.on('notification', (msg) => {
          for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
        });
      }
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await listener.query(`LISTEN "${channel.replaceAll('"', '')}"`);
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
      };
    },
    async close() {
      await listener?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
