// Retry delays after failures: exponential, capped, with jitter so workers that failed together (a
// database restart, a BMC outage) do not retry together. Pure; the random source is injected.

export interface Backoff {
  /** The delay after the first failure. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Growth per further failure; 2 doubles. */
  factor: number;
  /** 0..1: the share of the delay that is randomised away (0 = none, 0.5 = between half and all of it). */
  jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 5 * 60_000, factor: 2, jitter: 0.2 };

/** The delay before retrying after `failures` consecutive failures (1 for the first). */
export function backoffDelay(failures: number, b: Backoff, random: () => number = Math.random): number {
  if (failures < 1) return 0;
  // Past the cap the exponent only overflows, so stop growing there.
  const raw = Math.min(b.maxMs, b.baseMs * b.factor ** Math.min(failures - 1, 1000));
  const jitter = Math.min(1, Math.max(0, b.jitter));
  return Math.round(raw * (1 - jitter * Math.min(1, Math.max(0, random()))));
}
