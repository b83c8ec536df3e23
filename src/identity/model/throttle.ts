// Throttling of failed logins per user identifier (keystone's lockout_failure_attempts/lockout_duration).
// Keyed by what the caller typed (user id, or domain + name), never by whether that user exists, so an
// unknown name is throttled exactly like a real one and the answer tells nothing about existence.
// Pure: state in, state out; the service keeps the map.

export interface ThrottlePolicy {
  /** Failures within `windowMs` that lock the identifier. 0 disables throttling. */
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export interface ThrottleState {
  failures: number;
  /** When the first failure of the current window happened. */
  windowStart: number;
  lockedUntil: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMs: 5 * 60_000, lockoutMs: 60_000 };

export const EMPTY: ThrottleState = { failures: 0, windowStart: 0, lockedUntil: 0 };

export function isLocked(s: ThrottleState | undefined, now: number): boolean {
  return s !== undefined && s.lockedUntil > now;
}

export function recordFailure(s: ThrottleState | undefined, now: number, p: ThrottlePolicy): ThrottleState {
  if (p.maxFailures <= 0) return EMPTY;
  const prev = s ?? EMPTY;
  const inWindow = prev.failures > 0 && now - prev.windowStart < p.windowMs && prev.lockedUntil <= now;
  const failures = inWindow ? prev.failures + 1 : 1;
  const windowStart = inWindow ? prev.windowStart : now;
  if (failures >= p.maxFailures) return { failures: 0, windowStart: now, lockedUntil: now + p.lockoutMs };
  return { failures, windowStart, lockedUntil: prev.lockedUntil > now ? prev.lockedUntil : 0 };
}

/** A success clears the record; the caller drops the entry. */
export function isStale(s: ThrottleState, now: number, p: ThrottlePolicy): boolean {
  return s.lockedUntil <= now && now - s.windowStart >= p.windowMs;
}

/** Normalised throttle key of a login attempt. */
export function throttleKey(ref: {
  id?: string;
  name?: string;
  domainId?: string;
  domainName?: string;
}): string {
  if (ref.id) return `id:${ref.id}`;
  return `name:${ref.domainId ?? `@${(ref.domainName ?? '').toLowerCase()}`}:${ref.name ?? ''}`;
}
