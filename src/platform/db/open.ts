// Selects the engine from the database setting: a postgres:// URL, else a SQLite file path.
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { Database } from './types.ts';

export function openDatabase(url: string): Database {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  return openSqlite(url.replace(/^sqlite:(\/\/)?/, ''));
}
