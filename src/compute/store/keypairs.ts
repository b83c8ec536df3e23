// Keypairs per user: the only code touching cmp_keypairs. The numeric id Nova shows is allocated here.
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Database } from '../../platform/db/types.ts';
import { conflict, notFound } from '../../platform/errors/catalogue.ts';
import type { KeyType } from '../model/keypair.ts';
import type { QuotaStore } from './quotas.ts';

export interface Keypair {
  id: number;
  user_id: string;
  name: string;
  type: KeyType;
  fingerprint: string;
  public_key: string;
  created_at: number;
}

interface Row {
  id: number;
  user_id: string;
  name: string;
  key_type: string;
  fingerprint: string;
  public_key: string;
  created_at: number;
}

const fromRow = (r: Row): Keypair => ({
  id: Number(r.id),
  user_id: r.user_id,
  name: r.name,
  type: r.key_type as KeyType,
  fingerprint: r.fingerprint,
  public_key: r.public_key,
  created_at: Number(r.created_at),
});

export const keypairNotFound = (userId: string, name: string) =>
  notFound(`Keypair ${name} not found for user ${userId}`);

export class KeypairStore {
  readonly #db: Database;
  readonly #quotas: QuotaStore;

  constructor(db: Database, quotas: QuotaStore) {
    this.#db = db;
    this.#quotas = quotas;
  }

  /** Creates a keypair within the owner's key_pairs quota (limits of the caller's project). */
  async create(projectId: string, k: Omit<Keypair, 'id' | 'created_at'>): Promise<Keypair> {
    try {
      return await this.#db.tx(
        async (q) => {
          if (await q.get('SELECT id FROM cmp_keypairs WHERE user_id = ? AND name = ?', [k.user_id, k.name]))
            throw conflict(`Key pair '${k.name}' already exists.`);
          const used = (await this.#quotas.usage(projectId, k.user_id, q)).key_pairs ?? 0;
          await this.#quotas.check(q, projectId, 'key_pairs', used);
          const next = await q.get<{ n: number }>('SELECT COALESCE(MAX(id), 0) + 1 AS n FROM cmp_keypairs');
          const row: Row = {
            id: Number(next?.n ?? 1),
            user_id: k.user_id,
            name: k.name,
            key_type: k.type,
            fingerprint: k.fingerprint,
            public_key: k.public_key,
            created_at: Date.now(),
          };
          await q.run(
            'INSERT INTO cmp_keypairs (id, user_id, name, key_type, fingerprint, public_key, created_at) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?)',
            [row.id, row.user_id, row.name, row.key_type, row.fingerprint, row.public_key, row.created_at],
          );
          return fromRow(row);
        },
        { serializable: true },
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Key pair '${k.name}' already exists.`);
      throw e;
    }
  }

  async get(userId: string, name: string): Promise<Keypair> {
    const r = await this.#db.get<Row>('SELECT * FROM cmp_keypairs WHERE user_id = ? AND name = ?', [
      userId,
      name,
    ]);
    if (!r) throw keypairNotFound(userId, name);
    return fromRow(r);
  }

  /** A user's keypairs by name (Nova's order), after `marker` and at most `limit`. */
  async list(userId: string, page: { marker?: string; limit?: number } = {}): Promise<Keypair[]> {
    const params: (string | number)[] = [userId];
    let sql = 'SELECT * FROM cmp_keypairs WHERE user_id = ?';
    if (page.marker !== undefined) {
      if (
        !(await this.#db.get('SELECT id FROM cmp_keypairs WHERE user_id = ? AND name = ?', [
          userId,
          page.marker,
        ]))
      )
        throw notFound(`Marker ${page.marker} could not be found.`);
      sql += ' AND name > ?';
      params.push(page.marker);
    }
    sql += ' ORDER BY name';
    if (page.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(page.limit);
    }
    return (await this.#db.all<Row>(sql, params)).map(fromRow);
  }

  async delete(userId: string, name: string): Promise<void> {
    const { changes } = await this.#db.run('DELETE FROM cmp_keypairs WHERE user_id = ? AND name = ?', [
      userId,
      name,
    ]);
    if (changes === 0) throw keypairNotFound(userId, name);
  }
}
