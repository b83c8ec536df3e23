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

export interface PostgresOptions {
  /**
   * Told of connection errors the process survives: an idle pooled client dropped (the pool replaces
   * it) or the listening connection lost (it reconnects and listens again). Defaults to a line on stderr.
   */
  onError?: (err: Error, where: 'pool' | 'listener') => void;
  /** The longest pause between attempts to reconnect the listener (default 5 s). */
  maxReconnectMs?: number;
}

const reportToStderr = (err: Error, where: string) =>
  process.stderr.write(`postgres ${where} connection error (recovering): ${err.message}\n`);

export function openPostgres(url: string, opts: PostgresOptions = {}): Database {
  const onError = opts.onError ?? reportToStderr;
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // An idle client that loses its server (a restart, pg_terminate_backend) is an 'error' on the pool;
  // unhandled, it would end the process. The pool discards the client and opens a new one when needed.
  pool.on('error', (err) => onError(err, 'pool'));
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
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const quoted = (channel: string) => `"${channel.replaceAll('"', '')}"`;
  let listener: Promise<pg.Client> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let closed = false;

  // One connection carries every LISTEN. When it is lost it is replaced and listens again to every
  // channel; notifications sent while it was down are lost, which the periodic resyncs of the work
  // runtime's loops make good.
  const connectListener = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url, types });
    const lost = (err?: Error) => {
      if (err) onError(err, 'listener');
      void dropListener(client);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of handlers.keys()) await client.query(`LISTEN ${quoted(channel)}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw e;
    }
    return client;
  };
  let current: pg.Client | undefined;
  const ensureListener = (): Promise<pg.Client> => {
    if (!listener) {
      const attempt = connectListener().then((c) => {
        current = c;
        return c;
      });
      listener = attempt;
      attempt.catch(() => {
        if (listener === attempt) listener = undefined;
      });
    }
    return listener;
  };
  const dropListener = async (client: pg.Client) => {
    if (current !== client) return;
    current = undefined;
    listener = undefined;
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
    if (!closed) reconnect(1);
  };
  const reconnect = (attempt: number) => {
    if (closed || handlers.size === 0) return;
    const delay = Math.min(opts.maxReconnectMs ?? 5000, 50 * 2 ** Math.min(attempt, 16));
    reconnectTimer = setTimeout(() => {
      ensureListener().catch((e: Error) => {
        onError(e, 'listener');
        reconnect(attempt + 1);
      });
    }, delay);
    reconnectTimer.unref();
  };

  return {
    engine: 'postgres',
    all: <T = Row>(sql: string, params?: readonly SqlValue[]) => direct.all<T>(sql, params),
    get: <T = Row>(sql: string, params?: readonly SqlValue[]) => direct.get<T>(sql, params),
    run: (sql, params) => direct.run(sql, params),
    async tx(fn, opts = {}) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        // A checked-out client has no pool listener: its connection dying between two queries of this
        // transaction would be an unhandled 'error'. The next query fails instead, and the client is
        // destroyed on release rather than returned to the pool.
        let broken: Error | undefined;
        const onClientError = (err: Error) => {
          broken = err;
          onError(err, 'pool');
        };
        client.on('error', onClientError);
        try {
          await client.query(opts.serializable ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN');
          const result = await fn(over(client));
          await client.query('COMMIT');
          return result;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (!(opts.serializable && isSerializationFailure(e) && attempt < SERIALIZATION_RETRIES)) throw e;
        } finally {
          client.off('error', onClientError);
          client.release(broken);
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
      let set = handlers.get(channel);
      const fresh = !set;
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(onMessage);
      const connecting = listener;
      const client = await ensureListener();
      // A connection made before this channel was added has not listened to it yet.
      if (fresh && connecting) await client.query(`LISTEN ${quoted(channel)}`);
      const mine = set;
      return async () => {
        mine.delete(onMessage);
      };
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const client = await listener?.catch(() => undefined);
      client?.removeAllListeners('end');
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
