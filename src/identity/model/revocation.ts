// Revocation events, as keystone keeps them: a token is revoked when an event matches it and the token was
// issued at or before the event. The index answers that in constant time per token, in memory.
import type { TokenPayload } from './token.ts';

export interface RevocationEvent {
  /** Store cursor: events are applied in this order, each once. */
  seq: number;
  auditId?: string | null;
  userId?: string | null;
  projectId?: string | null;
  domainId?: string | null;
  appCredId?: string | null;
  /** Epoch ms: tokens issued at or before this time are revoked. */
  issuedBefore: number;
}

export class RevocationIndex {
  #audit = new Set<string>();
  #byUser = new Map<string, number>();
  #byProject = new Map<string, number>();
  #byDomain = new Map<string, number>();
  #byAppCred = new Map<string, number>();
  #seq = 0;

  /** The highest event sequence applied. */
  get seq(): number {
    return this.#seq;
  }

  apply(e: RevocationEvent): void {
    if (e.seq > this.#seq) this.#seq = e.seq;
    if (e.auditId) this.#audit.add(e.auditId);
    raise(this.#byUser, e.userId, e.issuedBefore);
    raise(this.#byProject, e.projectId, e.issuedBefore);
    raise(this.#byDomain, e.domainId, e.issuedBefore);
    raise(this.#byAppCred, e.appCredId, e.issuedBefore);
  }

  /** `domainIds`: the domains the token depends on (the user's, and the project's or the scope's). */
  isRevoked(p: TokenPayload, domainIds: readonly string[] = []): boolean {
    if (p.auditIds.some((a) => this.#audit.has(a))) return true;
    if (before(this.#byUser.get(p.userId), p.issuedAt)) return true;
    if (p.scope.kind === 'project' && before(this.#byProject.get(p.scope.id), p.issuedAt)) return true;
    if (p.scope.kind === 'domain' && before(this.#byDomain.get(p.scope.id), p.issuedAt)) return true;
    if (domainIds.some((d) => before(this.#byDomain.get(d), p.issuedAt))) return true;
    if (p.appCredId && before(this.#byAppCred.get(p.appCredId), p.issuedAt)) return true;
    return false;
  }
}

function raise(map: Map<string, number>, key: string | null | undefined, at: number): void {
  if (!key) return;
  const prev = map.get(key);
  if (prev === undefined || at > prev) map.set(key, at);
}

function before(eventAt: number | undefined, issuedAt: number): boolean {
  return eventAt !== undefined && issuedAt <= eventAt;
}
