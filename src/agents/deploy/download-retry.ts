// An image write whose download broke is started again from byte 0 with a fresh hash, a bounded number of
// times, as IPA retries its download (image_download_connection_retries). What is retried: a connection
// that failed or broke off mid-body, and a 5xx answer. What is not: a 4xx answer, a disk or format error,
// a cancelled command — and a checksum mismatch over a body that arrived whole (its declared length),
// which would only repeat. A mismatch over a body of unknown length may have been cut short, so it is
// tried again, unless the retry yields the same wrong digest.
import type { AgentCtx } from './ctx.ts';

export class ImageDownloadError extends Error {
  /** Worth another attempt: the network failed, not the request. */
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.transient = transient;
  }
}

/** The body broke off (reset, closed early, shorter than its Content-Length). */
export class ImageStreamError extends ImageDownloadError {
  constructor(message: string) {
    super(message, true);
  }
}

export class ImageChecksumError extends Error {
  /** The digest the download produced. */
  readonly got: string;
  /** Whether the body had the length the server declared (a mismatch then is in the data itself). */
  readonly wholeBody: boolean;
  constructor(message: string, got: string, wholeBody: boolean) {
    super(message);
    this.got = got;
    this.wholeBody = wholeBody;
  }
}

export interface DownloadRetry {
  /** Attempts in all (≥ 1). */
  attempts: number;
  /** Wait before the n-th retry: delayMs × n. */
  delayMs: number;
}

// IPA: 2 retries 10 s apart by default; we wait 3 s, then 6 s.
export const DEFAULT_DOWNLOAD_RETRY: DownloadRetry = { attempts: 3, delayMs: 3000 };

/** Why an attempt failed, if another attempt is worth it; undefined when the failure is final. */
export function retryReason(e: unknown, earlierDigests: readonly string[]): string | undefined {
  if (e instanceof ImageDownloadError) return e.transient ? e.message : undefined;
  if (e instanceof ImageChecksumError) {
    if (e.wholeBody || earlierDigests.includes(e.got)) return undefined;
    return e.message;
  }
  return undefined;
}

export interface Attempted<T> {
  value: T;
  /** The reasons of the attempts that failed before the one that succeeded. */
  failures: string[];
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((ok) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      ok();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Runs `attempt(n)` until it succeeds, fails for good, or the attempts are used up. The last error is
 * rethrown with every attempt's reason in its message, so last_error tells the whole story.
 */
export async function withDownloadRetries<T>(
  ctx: AgentCtx,
  what: string,
  retry: DownloadRetry,
  attempt: (n: number) => Promise<T>,
): Promise<Attempted<T>> {
  const failures: string[] = [];
  const digests: string[] = [];
  const max = Math.max(1, Math.floor(retry.attempts));
  for (let n = 1; ; n++) {
    try {
      const value = await attempt(n);
      if (n > 1) ctx.log.info(`${what}: attempt ${n} of ${max} succeeded`);
      return { value, failures };
    } catch (e) {
      const reason = ctx.signal.aborted ? undefined : retryReason(e, digests);
      if (e instanceof ImageChecksumError) digests.push(e.got);
      const message = (e as Error).message ?? String(e);
      if (reason === undefined || n >= max) {
        if (failures.length === 0) throw e;
        const all = [...failures, `attempt ${n}: ${message}`].join('; ');
        const why = reason === undefined ? `${n} attempts, the last one not retryable` : `${n} attempts`;
        // the same error (callers tell the kinds apart) with every attempt's reason
        if (e instanceof Error) {
          e.message = `${what} failed (${why}): ${all}`;
          throw e;
        }
        throw new Error(`${what} failed (${why}): ${all}`);
      }
      failures.push(`attempt ${n}: ${reason}`);
      const wait = retry.delayMs * n;
      ctx.log.warn(`${what}: attempt ${n} of ${max} failed (${reason}); starting over in ${wait / 1000} s`);
      await pause(wait, ctx.signal);
      ctx.signal.throwIfAborted();
    }
  }
}
