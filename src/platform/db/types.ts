// One query layer over two engines. SQL is written once, portable: `?` placeholders (rewritten to $n for
// PostgreSQL), TEXT/BIGINT/INTEGER columns, booleans as 0/1, JSON as TEXT, times as epoch milliseconds.

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, unknown>;

export interface Queryable {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface TxOptions {
  /** Serializable isolation; on PostgreSQL a serialization failure is retried a few times. */
  serializable?: boolean;
}

export interface Database extends Queryable {
  readonly engine: 'sqlite' | 'postgres';
  /** Runs fn in one transaction: all of it commits or none of it does. */
  tx<T>(fn: (q: Queryable) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Runs a script of several statements (DDL), outside any parameter binding. */
  exec(sql: string): Promise<void>;
  /**
   * Wake-ups between workers: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite. Given the `q` of a
   * transaction, the wake-up is sent when that transaction commits and dropped if it rolls back.
   */
  notify(channel: string, payload: string, q?: Queryable): Promise<void>;
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
