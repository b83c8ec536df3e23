// The only code that reads and writes the image tables. Status changes are conditional updates, so two
// requests racing to upload into one image cannot both win.
import type { Database, Queryable, SqlValue } from '../../platform/db/types.ts';
import type { MemberStatus, Membership } from '../model/access.ts';
import type { Image, ImageStatus, Visibility } from '../model/image.ts';
import type { Candidate } from '../model/list.ts';

interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: number;
  os_hidden: number;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  owner: string | null;
  created_at: number;
  updated_at: number;
}

export interface Member extends Membership {
  image_id: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = [
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'size',
  'virtual_size',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'owner',
  'created_at',
  'updated_at',
] as const;

function toRow(img: Image): SqlValue[] {
  return COLUMNS.map((c) => {
    const v = img[c];
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  });
}

function fromRow(r: ImageRow, properties: Record<string, string>, tags: string[]): Image {
  return {
    ...r,
    status: r.status as ImageStatus,
    visibility: r.visibility as Visibility,
    protected: Number(r.protected) === 1,
    os_hidden: Number(r.os_hidden) === 1,
    size: r.size === null ? null : Number(r.size),
    virtual_size: r.virtual_size === null ? null : Number(r.virtual_size),
    min_disk: Number(r.min_disk),
    min_ram: Number(r.min_ram),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    properties,
    tags,
  };
}

/** Fields an upload or import sets when its data is complete. */
export interface DataFacts {
  size: number;
  checksum: string;
  os_hash_algo: string;
  os_hash_value: string;
  virtual_size: number | null;
}

export class ImageStore {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  /** Inserts the image; `andThen` runs in the same transaction (the event that records its creation). */
  async insert(img: Image, andThen?: (q: Queryable) => Promise<void>): Promise<void> {
    await this.#db.tx(async (q) => {
      await q.run(
        `INSERT INTO images (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        toRow(img),
      );
      await writeChildren(q, img);
      await andThen?.(q);
    });
  }

  async get(id: string): Promise<Image | undefined> {
    const row = await this.#db.get<ImageRow>(`SELECT * FROM images WHERE id = ?`, [id]);
    if (!row) return undefined;
    const props = await this.#db.all<{ name: string; value: string }>(
      'SELECT name, value FROM image_properties WHERE image_id = ? ORDER BY name',
      [id],
    );
    const tags = await this.#db.all<{ tag: string }>(
      'SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag',
      [id],
    );
    return fromRow(
      row,
      Object.fromEntries(props.map((p) => [p.name, p.value])),
      tags.map((t) => t.tag),
    );
  }

  /** Every image with its members: the list model filters, sorts and pages them. */
  async candidates(): Promise<Candidate[]> {
    const rows = await this.#db.all<ImageRow>('SELECT * FROM images');
    const props = await this.#db.all<{ image_id: string; name: string; value: string }>(
      'SELECT image_id, name, value FROM image_properties ORDER BY name',
    );
    const tags = await this.#db.all<{ image_id: string; tag: string }>(
      'SELECT image_id, tag FROM image_tags ORDER BY tag',
    );
    const members = await this.#db.all<Member>('SELECT * FROM image_members');
    const by = new Map(
      rows.map((r) => [
        r.id,
        { props: {} as Record<string, string>, tags: [] as string[], members: [] as Member[] },
      ]),
    );
    for (const p of props) {
      const e = by.get(p.image_id);
      if (e) e.props[p.name] = p.value;
    }
    for (const t of tags) by.get(t.image_id)?.tags.push(t.tag);
    for (const m of members) by.get(m.image_id)?.members.push(m);
    return rows.map((r) => {
      const e = by.get(r.id)!;
      return { image: fromRow(r, e.props, e.tags), members: e.members };
    });
  }

  /**
   * Writes the client-editable fields (base properties, user properties, tags) of an image whose status is
   * unchanged; returns false if the image is gone.
   */
  async update(img: Image): Promise<boolean> {
    return this.#db.tx(async (q) => {
      const { changes } = await q.run(
        `UPDATE images SET name = ?, visibility = ?, protected = ?, os_hidden = ?, disk_format = ?,
          container_format = ?, min_disk = ?, min_ram = ?, owner = ?, updated_at = ? WHERE id = ?`,
        [
          img.name,
          img.visibility,
          img.protected ? 1 : 0,
          img.os_hidden ? 1 : 0,
          img.disk_format,
          img.container_format,
          img.min_disk,
          img.min_ram,
          img.owner,
          img.updated_at,
          img.id,
        ],
      );
      if (changes === 0) return false;
      await q.run('DELETE FROM image_properties WHERE image_id = ?', [img.id]);
      await q.run('DELETE FROM image_tags WHERE image_id = ?', [img.id]);
      await writeChildren(q, img);
      return true;
    });
  }

  /**
   * Moves the image from one of `from` to `to`; false when it was in another status (someone won the race).
   * `andThen` runs in the same transaction after a successful move (the event that records it).
   */
  async move(
    id: string,
    from: readonly ImageStatus[],
    to: ImageStatus,
    facts?: Partial<DataFacts>,
    andThen?: (q: Queryable) => Promise<void>,
  ): Promise<boolean> {
    const sets = ['status = ?', 'updated_at = ?'];
    const params: SqlValue[] = [to, this.#now()];
    for (const [k, v] of Object.entries(facts ?? {})) {
      sets.push(`${k} = ?`);
      params.push(v as SqlValue);
    }
    return this.#db.tx(async (q) => {
      const { changes } = await q.run(
        `UPDATE images SET ${sets.join(', ')} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
        [...params, id, ...from],
      );
      if (changes === 1) await andThen?.(q);
      return changes === 1;
    });
  }

  /** Deletes the image; `andThen` runs in the same transaction when it existed. */
  async delete(id: string, andThen?: (q: Queryable) => Promise<void>): Promise<boolean> {
    return this.#db.tx(async (q) => {
      const { changes } = await q.run('DELETE FROM images WHERE id = ?', [id]);
      if (changes === 1) await andThen?.(q);
      return changes === 1;
    });
  }

  /** Images in a status, e.g. uploads a crash interrupted. */
  async withStatus(statuses: readonly ImageStatus[]): Promise<string[]> {
    const rows = await this.#db.all<{ id: string }>(
      `SELECT id FROM images WHERE status IN (${statuses.map(() => '?').join(', ')})`,
      statuses,
    );
    return rows.map((r) => r.id);
  }

  /** Bytes a project's images hold or are being written with (for the per-project quota). */
  async usage(owner: string, except?: string): Promise<number> {
    const row = await this.#db.get<{ total: number | null }>(
      `SELECT SUM(size) AS total FROM images WHERE owner = ? AND size IS NOT NULL AND id <> ?`,
      [owner, except ?? ''],
    );
    return Number(row?.total ?? 0);
  }

  async addTag(id: string, tag: string): Promise<void> {
    await this.#db.tx(async (q) => {
      await q.run('DELETE FROM image_tags WHERE image_id = ? AND tag = ?', [id, tag]);
      await q.run('INSERT INTO image_tags (image_id, tag) VALUES (?, ?)', [id, tag]);
      await q.run('UPDATE images SET updated_at = ? WHERE id = ?', [this.#now(), id]);
    });
  }

  async removeTag(id: string, tag: string): Promise<boolean> {
    const { changes } = await this.#db.run('DELETE FROM image_tags WHERE image_id = ? AND tag = ?', [
      id,
      tag,
    ]);
    if (changes > 0) await this.#db.run('UPDATE images SET updated_at = ? WHERE id = ?', [this.#now(), id]);
    return changes > 0;
  }

  async members(id: string): Promise<Member[]> {
    return this.#db.all<Member>(
      'SELECT * FROM image_members WHERE image_id = ? ORDER BY created_at, member',
      [id],
    );
  }

  async member(id: string, member: string): Promise<Member | undefined> {
    return this.#db.get<Member>('SELECT * FROM image_members WHERE image_id = ? AND member = ?', [
      id,
      member,
    ]);
  }

  /** Adds a member as pending; false when it is already one. */
  async addMember(id: string, member: string): Promise<Member | undefined> {
    const now = this.#now();
    return this.#db.tx(async (q) => {
      const existing = await q.get('SELECT member FROM image_members WHERE image_id = ? AND member = ?', [
        id,
        member,
      ]);
      if (existing) return undefined;
      await q.run(
        'INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        [id, member, 'pending', now, now],
      );
      return { image_id: id, member, status: 'pending' as MemberStatus, created_at: now, updated_at: now };
    });
  }

  async setMemberStatus(id: string, member: string, status: MemberStatus): Promise<boolean> {
    const { changes } = await this.#db.run(
      'UPDATE image_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ?',
      [status, this.#now(), id, member],
    );
    return changes === 1;
  }

  async removeMember(id: string, member: string): Promise<boolean> {
    const { changes } = await this.#db.run('DELETE FROM image_members WHERE image_id = ? AND member = ?', [
      id,
      member,
    ]);
    return changes === 1;
  }
}

async function writeChildren(q: Queryable, img: Image): Promise<void> {
  for (const [name, value] of Object.entries(img.properties))
    await q.run('INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)', [
      img.id,
      name,
      value,
    ]);
  for (const tag of img.tags)
    await q.run('INSERT INTO image_tags (image_id, tag) VALUES (?, ?)', [img.id, tag]);
}
