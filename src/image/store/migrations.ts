// The image service's tables. Base properties are columns (they are filtered and sorted on); user
// properties, tags and members are rows of their own, removed with their image.
import type { Migration } from '../../platform/db/migrate.ts';

export const imageMigrations: Migration[] = [
  {
    id: '0001_images',
    sql: `CREATE TABLE images (
      id TEXT PRIMARY KEY, name TEXT, status TEXT NOT NULL, visibility TEXT NOT NULL,
      protected INTEGER NOT NULL, os_hidden INTEGER NOT NULL,
      checksum TEXT, os_hash_algo TEXT, os_hash_value TEXT, size BIGINT, virtual_size BIGINT,
      disk_format TEXT, container_format TEXT, min_disk INTEGER NOT NULL, min_ram INTEGER NOT NULL,
      owner TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
    );
    CREATE INDEX images_owner ON images (owner);
    CREATE TABLE image_properties (
      image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE, name TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (image_id, name)
    );
    CREATE TABLE image_tags (
      image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE, tag TEXT NOT NULL,
      PRIMARY KEY (image_id, tag)
    );
    CREATE TABLE image_members (
      image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE, member TEXT NOT NULL,
      status TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (image_id, member)
    );
    CREATE INDEX image_members_member ON image_members (member)`,
  },
];
