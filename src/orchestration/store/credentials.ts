// EC2-style access keys the engine issues: one per stack user (a server's metadata credentials, an
// AWS::IAM::AccessKey, a pre-signed signal or wait-condition URL). The secret is sealed with the
// platform's SecretBox, bound to the key id, so a sealed secret copied to another row does not open.
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';

export interface AccessKey {
  accessKey: string;
  secret: string;
  projectId: string;
  /** The stack (and resource in it) the key belongs to: it may read and signal only that stack. */
  stackId: string;
  resourceName: string;
}

type Raw = Record<string, unknown>;
const context = (id: string) => `orchestration:access-key:${id}`;

export class CredentialStore {
  readonly #db: Database;
  readonly #secrets: SecretBox | undefined;

  constructor(db: Database, secrets?: SecretBox) {
    this.#db = db;
    this.#secrets = secrets;
  }

  /** Issues a new key pair for a resource of a stack (20-character id and 40-character secret, as AWS). */
  async issue(
    owner: { projectId: string; stackId: string; resourceName: string },
    q: Queryable = this.#db,
  ): Promise<AccessKey> {
    const accessKey = randomBytes(16).toString('hex').toUpperCase().slice(0, 20);
    const secret = randomBytes(30).toString('base64').replace(/[+/]/g, 'x');
    const sealed = this.#secrets ? this.#secrets.seal(secret, context(accessKey)) : secret;
    await q.run(
      `INSERT INTO heat_access_keys (access_key, secret, project_id, stack_id, resource_name, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [accessKey, sealed, owner.projectId, owner.stackId, owner.resourceName, Date.now()],
    );
    return { accessKey, secret, ...owner };
  }

  async get(accessKey: string): Promise<AccessKey | undefined> {
    const r = await this.#db.get<Raw>('SELECT * FROM heat_access_keys WHERE access_key = ?', [accessKey]);
    if (!r) return undefined;
    const stored = r.secret as string;
    return {
      accessKey,
      secret: this.#secrets ? this.#secrets.open(stored, context(accessKey)) : stored,
      projectId: r.project_id as string,
      stackId: r.stack_id as string,
      resourceName: r.resource_name as string,
    };
  }

  /** One key (a resource deleted, or replaced, takes its own keys with it — not its successor's). */
  async revoke(accessKey: string | undefined | null): Promise<void> {
    if (accessKey) await this.#db.run('DELETE FROM heat_access_keys WHERE access_key = ?', [accessKey]);
  }

  /** The key id in a pre-signed URL (AWSAccessKeyId), if any. */
  static keyOfUrl(url: unknown): string | undefined {
    if (typeof url !== 'string') return undefined;
    try {
      return new URL(url).searchParams.get('AWSAccessKeyId') ?? undefined;
    } catch {
      return undefined;
    }
  }
}
