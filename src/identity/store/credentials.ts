// Application credentials and revocation events.
import type { Queryable, Row } from '../../platform/db/types.ts';
import type { RevocationEvent } from '../model/revocation.ts';
import type { AppCredential } from '../model/types.ts';
import { bool, int, json, unique } from './sql.ts';

const appCredOf = (r: Row): AppCredential => ({
  id: r.id as string,
  userId: r.user_id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  description: (r.description as string) ?? '',
  roleIds: json(r.roles, []),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  expiresText: (r.expires_text as string | null) ?? null,
  unrestricted: bool(r.unrestricted),
  secretHash: r.secret_hash as string,
});

export async function getAppCred(q: Queryable, id: string): Promise<AppCredential | undefined> {
  const r = await q.get('SELECT * FROM identity_app_credentials WHERE id = ?', [id]);
  return r ? appCredOf(r) : undefined;
}

export async function getAppCredByName(q: Queryable, userId: string, name: string) {
  const r = await q.get('SELECT * FROM identity_app_credentials WHERE user_id = ? AND name = ?', [
    userId,
    name,
  ]);
  return r ? appCredOf(r) : undefined;
}

export async function listAppCreds(q: Queryable, userId: string, name?: string): Promise<AppCredential[]> {
  const rows = name
    ? await q.all('SELECT * FROM identity_app_credentials WHERE user_id = ? AND name = ?', [userId, name])
    : await q.all('SELECT * FROM identity_app_credentials WHERE user_id = ? ORDER BY name', [userId]);
  return rows.map(appCredOf);
}

export async function createAppCred(q: Queryable, c: AppCredential, now: number): Promise<AppCredential> {
  await unique(`application credential ${c.name}`, () =>
    q.run(
      'INSERT INTO identity_app_credentials (id, user_id, project_id, name, description, secret_hash, roles, ' +
        'expires_at, expires_text, unrestricted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        c.id,
        c.userId,
        c.projectId,
        c.name,
        c.description,
        c.secretHash,
        JSON.stringify(c.roleIds),
        c.expiresAt,
        c.expiresText ?? null,
        int(c.unrestricted),
        now,
      ],
    ),
  );
  return c;
}

export async function deleteAppCred(q: Queryable, id: string): Promise<boolean> {
  return (await q.run('DELETE FROM identity_app_credentials WHERE id = ?', [id])).changes > 0;
}

export async function appCredIdsOfUser(q: Queryable, userId: string): Promise<string[]> {
  return (
    await q.all<{ id: string }>('SELECT id FROM identity_app_credentials WHERE user_id = ?', [userId])
  ).map((r) => r.id);
}

export type NewRevocation = Omit<RevocationEvent, 'seq'> & { purgeAfter: number };

export async function addRevocation(q: Queryable, e: NewRevocation): Promise<void> {
  await q.run(
    'INSERT INTO identity_revocations (audit_id, user_id, project_id, domain_id, app_cred_id, issued_before, ' +
      'purge_after) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      e.auditId ?? null,
      e.userId ?? null,
      e.projectId ?? null,
      e.domainId ?? null,
      e.appCredId ?? null,
      e.issuedBefore,
      e.purgeAfter,
    ],
  );
}

/** Events after a cursor, oldest first (read-only: validation never writes). */
export async function revocationsSince(q: Queryable, seq: number, now: number): Promise<RevocationEvent[]> {
  const rows = await q.all(
    'SELECT * FROM identity_revocations WHERE seq > ? AND purge_after > ? ORDER BY seq',
    [seq, now],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    auditId: r.audit_id as string | null,
    userId: r.user_id as string | null,
    projectId: r.project_id as string | null,
    domainId: r.domain_id as string | null,
    appCredId: r.app_cred_id as string | null,
    issuedBefore: Number(r.issued_before),
  }));
}

/** Events older than any token they could match; run from a write path, not from validation. */
export async function purgeRevocations(q: Queryable, now: number): Promise<number> {
  return (await q.run('DELETE FROM identity_revocations WHERE purge_after <= ?', [now])).changes;
}
