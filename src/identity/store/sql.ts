// Small helpers the identity stores share: ids, JSON columns, filtered SELECTs and partial UPDATEs
// built only from column names written in this code (values are always bound).
import { randomUUID } from 'node:crypto';
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/errors.ts';
import type { Queryable, SqlValue } from '../../platform/db/types.ts';
import { conflict } from '../../platform/errors/catalogue.ts';

/** Keystone-style ids: 32 lowercase hex digits. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

export function json<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export const bool = (v: unknown): boolean => Number(v) === 1;
export const int = (b: boolean): number => (b ? 1 : 0);

/** WHERE clause from equality filters; undefined filters are skipped. */
export function where(filters: Record<string, SqlValue | undefined>): { sql: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    if (value === null) {
      parts.push(`${column} IS NULL`);
    } else {
      parts.push(`${column} = ?`);
      params.push(value);
    }
  }
  return { sql: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/** UPDATE of the given columns only; returns the number of rows changed. */
export async function update(
  q: Queryable,
  table: string,
  id: string,
  changes: Record<string, SqlValue | undefined>,
): Promise<number> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    const row = await q.get(`SELECT id FROM ${table} WHERE id = ?`, [id]);
    return row ? 1 : 0;
  }
  const sets = entries.map(([c]) => `${c} = ?`).join(', ');
  const r = await q.run(`UPDATE ${table} SET ${sets} WHERE id = ?`, [
    ...entries.map(([, v]) => v as SqlValue),
    id,
  ]);
  return r.changes;
}

/** Runs a write, turning a duplicate into a 409 with the message given. */
export async function unique<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Conflict occurred attempting to store ${what}.`, { cause: e });
    if (isForeignKeyViolation(e)) {
      throw conflict(`Conflict occurred attempting to store ${what}: it refers to a missing entity.`, {
        cause: e,
      });
    }
    throw e;
  }
}
