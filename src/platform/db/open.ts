// Selects the engine from the database setting: a postgres:// URL, else a SQLite file path.
import { openPostgres, type PostgresOptions } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { Database } from './types.ts';

export function openDatabase(url: string, opts: PostgresOptions = {}): Database {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, opts);
  return openSqlite(url.replace(/^sqlite:(\/\/)?/, ''));
}
