// Engine-neutral recognition of constraint violations, so stores can turn them into 409s.

interface EngineError {
  code?: unknown;
  errcode?: unknown;
}

/** A UNIQUE or PRIMARY KEY violation on either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as EngineError;
  if (err?.code === '23505') return true; // PostgreSQL unique_violation
  // SQLite extended codes: SQLITE_CONSTRAINT_UNIQUE 2067, SQLITE_CONSTRAINT_PRIMARYKEY 1555
  return err?.errcode === 2067 || err?.errcode === 1555;
}

/** A FOREIGN KEY violation on either engine. */
export function isForeignKeyViolation(e: unknown): boolean {
  const err = e as EngineError;
  return err?.code === '23503' || err?.errcode === 787;
}

/** A transaction that lost a race and may simply be run again. */
export function isSerializationFailure(e: unknown): boolean {
  const err = e as EngineError;
  return err?.code === '40001' || err?.code === '40P01';
}
