// Keystone's timestamps. Tokens carry "2026-01-01T12:00:00.000000Z"; application credentials echo their
// expiry as keystone stores it, naive UTC with microseconds ("2026-01-01T12:00:00.123456"), which
// tempest compares character for character with what it sent.

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/;

/** An ISO 8601 time as epoch ms and keystone's microsecond text; undefined when it is not one. */
export function parseExpiry(text: string): { ms: number; text: string } | undefined {
  const m = STAMP.exec(text);
  if (!m) return undefined;
  const zone = m[3] ?? 'Z';
  const ms = Date.parse(`${m[1]}${m[2] ? `.${m[2].slice(0, 3)}` : ''}${zone}`);
  if (!Number.isFinite(ms)) return undefined;
  const micro = `${m[2] ?? ''}000000`.slice(0, 6);
  const utc = new Date(ms).toISOString().slice(0, 19);
  return { ms, text: `${utc}.${micro}` };
}

/**
 * A wall clock that never goes back within one process. Revocation events cover tokens issued at or before
 * them: if the system clock stepped back between a token's issue and a revocation, the token would look
 * issued after it and survive.
 */
export function monotonicClock(source: () => number = Date.now): () => number {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    last = Math.max(last, source());
    return last;
  };
}
