// What a token carries inside its Fernet envelope, and the rules for reading it back. Like keystone's
// fernet payloads, only identifiers travel: names and roles are looked up when the token is validated, so
// a renamed project or a removed role shows at once. Pure: keys, IV and clock come from the caller.
import { fernetDecrypt, fernetEncrypt } from './fernet.ts';

export const AUTH_METHODS = ['password', 'token', 'application_credential'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export type TokenScope =
  | { kind: 'unscoped' }
  | { kind: 'project'; id: string }
  | { kind: 'domain'; id: string }
  | { kind: 'system' };

export interface TokenPayload {
  userId: string;
  methods: AuthMethod[];
  scope: TokenScope;
  /** Epoch milliseconds: revocation events compare against this, finer than Fernet's seconds. */
  issuedAt: number;
  expiresAt: number;
  /** This token's audit id, then the one it was rescoped from (its audit chain). */
  auditIds: string[];
  appCredId?: string;
}

const PAYLOAD_VERSION = 1;
const SCOPE_KINDS = ['unscoped', 'project', 'domain', 'system'] as const;

export function encodePayload(p: TokenPayload): Buffer {
  const mask = p.methods.reduce((m, name) => m | (1 << AUTH_METHODS.indexOf(name)), 0);
  const scopeId = p.scope.kind === 'project' || p.scope.kind === 'domain' ? p.scope.id : null;
  return Buffer.from(
    JSON.stringify([
      PAYLOAD_VERSION,
      p.userId,
      mask,
      SCOPE_KINDS.indexOf(p.scope.kind),
      scopeId,
      p.issuedAt,
      p.expiresAt,
      p.auditIds,
      p.appCredId ?? null,
    ]),
  );
}

/** Reads a payload back; undefined for anything that is not exactly what encodePayload writes. */
export function decodePayload(buf: Buffer): TokenPayload | undefined {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 9 || v[0] !== PAYLOAD_VERSION) return undefined;
  const [, userId, mask, kindIndex, scopeId, issuedAt, expiresAt, auditIds, appCredId] = v as unknown[];
  if (typeof userId !== 'string' || !Number.isInteger(mask) || !Number.isInteger(kindIndex)) return undefined;
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt)) return undefined;
  if (!Array.isArray(auditIds) || !auditIds.every((a) => typeof a === 'string')) return undefined;
  if (appCredId !== null && typeof appCredId !== 'string') return undefined;
  const methods = AUTH_METHODS.filter((_, i) => ((mask as number) & (1 << i)) !== 0);
  const kind = SCOPE_KINDS[kindIndex as number];
  let scope: TokenScope;
  if (kind === 'project' || kind === 'domain') {
    if (typeof scopeId !== 'string') return undefined;
    scope = { kind, id: scopeId };
  } else if (kind === 'unscoped' || kind === 'system') {
    scope = { kind };
  } else {
    return undefined;
  }
  return {
    userId,
    methods,
    scope,
    issuedAt: issuedAt as number,
    expiresAt: expiresAt as number,
    auditIds: auditIds as string[],
    ...(appCredId ? { appCredId: appCredId as string } : {}),
  };
}

export function sealToken(payload: TokenPayload, key: Buffer, iv: Buffer): string {
  return fernetEncrypt(key, encodePayload(payload), iv, Math.floor(payload.issuedAt / 1000));
}

export type OpenResult =
  | { ok: true; payload: TokenPayload }
  | { ok: false; reason: 'invalid' | 'expired' | 'not-yet-valid' };

/** Clock skew tolerated between processes that issue and validate. */
const SKEW_MS = 60_000;

export function openToken(keys: readonly Buffer[], token: string, now: number): OpenResult {
  const opened = fernetDecrypt(keys, token);
  if (!opened) return { ok: false, reason: 'invalid' };
  const payload = decodePayload(opened.plaintext);
  if (!payload || Math.floor(payload.issuedAt / 1000) !== opened.issuedAtSeconds) {
    return { ok: false, reason: 'invalid' };
  }
  if (payload.issuedAt > now + SKEW_MS) return { ok: false, reason: 'not-yet-valid' };
  if (payload.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
