// The identity service's heart: issues and validates tokens, keeps the key set, the revocation index and
// a cache of validated tokens, and funnels every write through one path so caches stay right.
//
// Validation never writes. A cache hit costs a map lookup and a revocation check in memory; a miss opens
// the Fernet envelope and reads the user, scope and roles. Writes in this process bump a generation that
// drops the cache at once; events written by other processes are read every `revocationRefreshMs`.
import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../platform/db/types.ts';
import { unauthorized } from '../platform/errors/catalogue.ts';
import type { AuthContext } from '../platform/policy/auth-context.ts';
import { type RevocationEvent, RevocationIndex } from './model/revocation.ts';
import type { IdentitySettings } from './model/settings.ts';
import type { ThrottleState } from './model/throttle.ts';
import { monotonicClock } from './model/time.ts';
import { openToken, sealToken, type TokenPayload } from './model/token.ts';
import {
  addRevocation,
  type NewRevocation,
  purgeRevocations,
  revocationsSince,
} from './store/credentials.ts';
import { type KeySet, keysVersion, loadKeys, setupKeys } from './store/key-repository.ts';
import { resolveToken, type TokenInfo } from './token-info.ts';

interface CacheEntry {
  gen: number;
  at: number;
  ctx: AuthContext;
  info: TokenInfo;
  domainIds: string[];
}

export type Revoke = (e: Omit<NewRevocation, 'purgeAfter'>) => Promise<void>;

export class IdentityCore {
  readonly db: Database;
  readonly settings: IdentitySettings;
  readonly keyDir: string;
  readonly now: () => number;
  /** Failed-login records by throttle key (this process only). */
  readonly throttle = new Map<string, ThrottleState>();
  #keys: KeySet;
  #keysVersion: string;
  #revocations = new RevocationIndex();
  #lastRefresh = 0;
  #refreshing: Promise<void> | undefined;
  #gen = 0;
  #lastKeyCheck = 0;
  #cache = new Map<string, CacheEntry>();

  private constructor(db: Database, keyDir: string, settings: IdentitySettings, now: () => number) {
    this.db = db;
    this.keyDir = keyDir;
    this.settings = settings;
    this.now = now;
    setupKeys(keyDir);
    this.#keysVersion = keysVersion(keyDir);
    this.#keys = loadKeys(keyDir);
  }

  static async open(db: Database, keyDir: string, settings: IdentitySettings, now = monotonicClock()) {
    const core = new IdentityCore(db, keyDir, settings, now);
    await core.refreshRevocations();
    return core;
  }

  /** Changes with every write in this process; caches keyed on it drop stale entries. */
  get generation(): number {
    return this.#gen;
  }

  /** Runs a write in one transaction; revocations it records apply here as soon as it commits. */
  async write<T>(fn: (q: Queryable, revoke: Revoke) => Promise<T>): Promise<T> {
    const now = this.now();
    const events: RevocationEvent[] = [];
    const result = await this.db.tx(async (q) => {
      const revoke: Revoke = async (e) => {
        // A user/project/domain event must outlive every token issued before it.
        const purgeAfter = e.issuedBefore + this.settings.tokenExpirationSeconds * 1000 + 120_000;
        await addRevocation(q, { ...e, purgeAfter });
        events.push({ ...e, seq: 0 });
      };
      const out = await fn(q, revoke);
      if (events.length > 0) await purgeRevocations(q, now);
      return out;
    });
    for (const e of events) this.#revocations.apply(e);
    this.#gen++;
    this.#cache.clear();
    return result;
  }

  issue(payload: TokenPayload): string {
    // Another process may have rotated the keys: look at most every few seconds, then issue with the new primary.
    if (payload.issuedAt - this.#lastKeyCheck > 5000) {
      this.#reloadKeysIfRotated();
    }
    return sealToken(payload, this.#keys.keys[this.#keys.primaryIndex]!, randomBytes(16));
  }

  newAuditId(): string {
    return randomBytes(16).toString('base64url').slice(0, 22);
  }

  /** Opens a token and checks expiry and revocation; undefined when it is not valid now. */
  async open(token: string): Promise<TokenPayload | undefined> {
    const now = this.now();
    let r = openToken(this.#keys.keys, token, now);
    // A token no key opens may come from a rotation elsewhere: look at the directory, at most once a second
    // (garbage tokens must not turn into a file-system scan each).
    if (!r.ok && r.reason === 'invalid' && now - this.#lastKeyCheck > 1000 && this.#reloadKeysIfRotated())
      r = openToken(this.#keys.keys, token, now);
    if (!r.ok) return undefined;
    await this.#fresh(now);
    return this.#revocations.isRevoked(r.payload) ? undefined : r.payload;
  }

  /** Token → user, scope, roles; undefined when any of them no longer allows the token. */
  async info(payload: TokenPayload): Promise<TokenInfo | undefined> {
    const info = await resolveToken(this.db, payload, this.now());
    if (!info) return undefined;
    return this.#revocations.isRevoked(payload, domainIdsOf(info)) ? undefined : info;
  }

  /** The validator every service calls for X-Auth-Token. */
  async validate(token: string): Promise<AuthContext> {
    const found = await this.lookup(token);
    if (!found) throw unauthorized();
    return found.ctx;
  }

  /** A valid token's meaning, from the cache when fresh; undefined when the token is not valid now. */
  async lookup(token: string): Promise<{ info: TokenInfo; ctx: AuthContext } | undefined> {
    const now = this.now();
    const gen = this.#gen; // taken before any await: a write meanwhile keeps this answer out of the cache
    const hit = this.#cache.get(token);
    if (hit && hit.gen === gen && now - hit.at < this.settings.revocationRefreshMs) {
      await this.#fresh(now);
      const p = hit.info.payload;
      if (p.expiresAt > now && !this.#revocations.isRevoked(p, hit.domainIds)) return hit;
      this.#cache.delete(token);
      return undefined;
    }
    const payload = await this.open(token);
    const info = payload && (await this.info(payload));
    if (!info) return undefined;
    const entry = { gen, at: now, info, ctx: authContextOf(token, info), domainIds: domainIdsOf(info) };
    if (this.settings.cacheEntries > 0 && gen === this.#gen) {
      if (this.#cache.size >= this.settings.cacheEntries) {
        this.#cache.delete(this.#cache.keys().next().value as string);
      }
      this.#cache.set(token, entry);
    }
    return entry;
  }

  async refreshRevocations(): Promise<void> {
    const now = this.now();
    for (const e of await revocationsSince(this.db, this.#revocations.seq, now)) this.#revocations.apply(e);
    this.#lastRefresh = now;
  }

  /** Reads other processes' revocations when the last read is older than the refresh interval. */
  async #fresh(now: number): Promise<void> {
    if (now - this.#lastRefresh < this.settings.revocationRefreshMs) return;
    this.#refreshing ??= this.refreshRevocations().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
  }

  #reloadKeysIfRotated(): boolean {
    this.#lastKeyCheck = this.now();
    const version = keysVersion(this.keyDir);
    if (version === this.#keysVersion) return false;
    this.#keys = loadKeys(this.keyDir);
    this.#keysVersion = version;
    this.#cache.clear(); // a dropped key must stop its tokens now, not when their cache entries age out
    return true;
  }

  /** Picks up a rotation made by `ooo keys rotate` while running; returns whether keys changed. */
  reloadKeys(): boolean {
    return this.#reloadKeysIfRotated();
  }
}

function domainIdsOf(info: TokenInfo): string[] {
  const ids = [info.user.domainId];
  if (info.project) ids.push(info.project.domainId);
  return ids;
}

export function authContextOf(tokenId: string, info: TokenInfo): AuthContext {
  const p = info.payload;
  return {
    tokenId,
    userId: info.user.id,
    userName: info.user.name,
    userDomainId: info.user.domainId,
    ...(info.project
      ? { projectId: info.project.id, projectName: info.project.name, projectDomainId: info.project.domainId }
      : {}),
    ...(info.domain ? { domainId: info.domain.id } : {}),
    ...(p.scope.kind === 'system' ? { system: true } : {}),
    roles: info.roles.map((r) => r.name),
    expiresAt: p.expiresAt,
    auditIds: p.auditIds,
  };
}
