// What a service that validates tokens at a remote identity service remembers (keystonemiddleware's token
// cache): a bounded LRU of answers, each kept at most `ttlMs` and never past the token's own expiry. A
// revoked token therefore stops working here within `ttlMs` of its revocation. Refusals are kept too (for
// `ttlMs`), so a flood of bad tokens does not become a flood of calls to identity. Pure: the clock is passed in.

export interface TokenCacheSettings {
  /** Most answers kept; the least recently used goes first. 0 turns the cache off. */
  entries: number;
  /** How long an answer is trusted (ms); bounds how late a revocation is honoured. */
  ttlMs: number;
}

export const DEFAULT_TOKEN_CACHE: TokenCacheSettings = { entries: 10_000, ttlMs: 30_000 };

export type CachedAnswer<V> = { valid: true; value: V } | { valid: false };

interface Entry<V> {
  answer: CachedAnswer<V>;
  until: number;
}

export class TokenCache<V> {
  readonly settings: TokenCacheSettings;
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recent first.
  readonly #entries = new Map<string, Entry<V>>();

  constructor(settings: TokenCacheSettings) {
    this.settings = settings;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string, now: number): CachedAnswer<V> | undefined {
    const e = this.#entries.get(token);
    if (!e) return undefined;
    this.#entries.delete(token);
    if (now >= e.until) return undefined;
    this.#entries.set(token, e);
    return e.answer;
  }

  /** A valid token's meaning, kept until `now + ttlMs` or the token's expiry, whichever comes first. */
  putValid(token: string, value: V, expiresAt: number, now: number): void {
    this.#put(token, {
      answer: { valid: true, value },
      until: Math.min(now + this.settings.ttlMs, expiresAt),
    });
  }

  putInvalid(token: string, now: number): void {
    this.#put(token, { answer: { valid: false }, until: now + this.settings.ttlMs });
  }

  #put(token: string, entry: Entry<V>): void {
    if (this.settings.entries <= 0 || this.settings.ttlMs <= 0) return;
    this.#entries.delete(token);
    while (this.#entries.size >= this.settings.entries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(token, entry);
  }
}

/** The `tokenCache` object of `settings.identity` in the configuration of a process that reaches identity
 * over HTTP: `{ "entries": 10000, "ttlMs": 30000 }`. */
export function parseTokenCacheSettings(raw: unknown): TokenCacheSettings {
  if (raw === undefined) return DEFAULT_TOKEN_CACHE;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('identity setting tokenCache: expected an object { entries, ttlMs }');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (k !== 'entries' && k !== 'ttlMs') throw new Error(`identity setting tokenCache: unknown key ${k}`);
  const num = (k: 'entries' | 'ttlMs', max: number) => {
    const v = r[k];
    if (v === undefined) return DEFAULT_TOKEN_CACHE[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
      throw new Error(`identity setting tokenCache.${k}: expected a whole number in [0, ${max}]`);
    return v;
  };
  return { entries: num('entries', 10_000_000), ttlMs: num('ttlMs', 3_600_000) };
}
