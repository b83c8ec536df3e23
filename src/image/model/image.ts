// The image as Glance v2 has it: base properties under their API names, user properties as flat strings,
// and the rules for what a caller may set when creating one. Pure: no I/O.
import { AppError } from '../../platform/errors/catalogue.ts';

export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['public', 'community', 'shared', 'private'] as const;
export const STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'pending_delete',
  'deactivated',
  'uploading',
  'importing',
] as const;

export type Visibility = (typeof VISIBILITIES)[number];
export type ImageStatus = (typeof STATUSES)[number];

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
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
  /** Epoch milliseconds. */
  created_at: number;
  updated_at: number;
  properties: Record<string, string>;
  tags: string[];
}

/** Fields the server computes; a client naming them gets 403 (Glance's _readonly_properties). */
export const READ_ONLY = new Set([
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'size',
  'virtual_size',
  'direct_url',
  'self',
  'file',
  'schema',
  'locations',
  'stores',
]);
/** Names kept for Glance itself (its _reserved_properties and the os_glance namespace). */
export function isReserved(key: string): boolean {
  return key === 'location' || key === 'deleted' || key === 'deleted_at' || key.startsWith('os_glance');
}

/** The base properties a client may write (everything else is a user property). */
export const WRITABLE_BASE = new Set([
  'name',
  'visibility',
  'protected',
  'os_hidden',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'owner',
  'tags',
]);

export const MAX_PROPERTIES = 128;
export const MAX_TAGS = 128;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** Python's repr of a value, as jsonschema error messages show it. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as object)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

export function schemaError(problem: string): AppError {
  return new AppError('BAD_REQUEST', `Provided object does not match schema 'image': ${problem}`);
}

export function readOnly(key: string): AppError {
  return new AppError('FORBIDDEN', `Attribute '${key}' is read-only.`);
}

export function reserved(key: string): AppError {
  return new AppError('FORBIDDEN', `Attribute '${key}' is reserved.`);
}

/** Checks one writable base property's value against the image schema; returns the value to store. */
export function checkBase(key: string, value: unknown): unknown {
  const enumOf = (allowed: readonly (string | null)[]) => {
    if (!allowed.includes(value as string | null))
      throw schemaError(`${pyRepr(value)} is not one of ${pyRepr(allowed)}`);
    return value;
  };
  switch (key) {
    case 'name':
    case 'owner':
      if (value !== null && typeof value !== 'string')
        throw schemaError(`${pyRepr(value)} is not of type 'null', 'string'`);
      if (typeof value === 'string' && value.length > 255) throw schemaError(`${pyRepr(value)} is too long`);
      return value;
    case 'visibility':
      return enumOf(VISIBILITIES);
    case 'disk_format':
      return enumOf([null, ...DISK_FORMATS]);
    case 'container_format':
      return enumOf([null, ...CONTAINER_FORMATS]);
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw schemaError(`${pyRepr(value)} is not of type 'boolean'`);
      return value;
    case 'min_disk':
    case 'min_ram':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw schemaError(`${pyRepr(value)} is not of type 'integer'`);
      if (value < 0) throw schemaError(`${value} is less than the minimum of 0`);
      return value;
    case 'tags':
      return checkTags(value);
  }
  throw new Error(`not a writable base property: ${key}`);
}

export function checkTags(value: unknown): string[] {
  if (!Array.isArray(value)) throw schemaError(`${pyRepr(value)} is not of type 'array'`);
  const out: string[] = [];
  for (const t of value) {
    out.push(checkTag(t));
  }
  const unique = [...new Set(out)];
  if (unique.length > MAX_TAGS)
    throw new AppError('PAYLOAD_TOO_LARGE', `Maximum number of tags exceeded: ${MAX_TAGS}`);
  return unique;
}

export function checkTag(t: unknown): string {
  if (typeof t !== 'string') throw schemaError(`${pyRepr(t)} is not of type 'string'`);
  if (t.length > 255) throw schemaError(`${pyRepr(t)} is too long`);
  return t;
}

/** A user property: any string key not taken by Glance, with a string value. */
export function checkProperty(key: string, value: unknown): string {
  if (key.length === 0 || key.length > 255) throw schemaError(`${pyRepr(key)} is not a valid property name`);
  if (typeof value !== 'string') throw schemaError(`${pyRepr(value)} is not of type 'string'`);
  if (value.length > 65535) throw schemaError(`${pyRepr(key)} is too long`);
  return value;
}

export function checkPropertyCount(properties: Record<string, string>): void {
  if (Object.keys(properties).length > MAX_PROPERTIES)
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `Attempted to add more properties than the limit of ${MAX_PROPERTIES} allows.`,
    );
}

export interface NewImage {
  id?: string;
  base: Partial<Pick<Image, 'name' | 'visibility' | 'protected' | 'os_hidden'>> &
    Partial<Pick<Image, 'disk_format' | 'container_format' | 'min_disk' | 'min_ram' | 'owner'>>;
  tags: string[];
  properties: Record<string, string>;
}

/** Validates the body of POST /v2/images (a flat object of base and user properties). */
export function parseCreate(body: unknown): NewImage {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppError('BAD_REQUEST', 'Body expected in request.');
  const out: NewImage = { base: {}, tags: [], properties: {} };
  for (const [key, value] of Object.entries(body)) {
    if (READ_ONLY.has(key)) throw readOnly(key);
    if (isReserved(key)) throw reserved(key);
    if (key === 'id') {
      if (typeof value !== 'string' || !isUuid(value)) throw schemaError(`${pyRepr(value)} is not a 'uuid'`);
      out.id = value.toLowerCase();
    } else if (key === 'tags') {
      out.tags = checkTags(value);
    } else if (WRITABLE_BASE.has(key)) {
      (out.base as Record<string, unknown>)[key] = checkBase(key, value);
    } else {
      out.properties[key] = checkProperty(key, value);
    }
  }
  checkPropertyCount(out.properties);
  return out;
}

/** The JSON body Glance returns for an image: base properties (null when unset), then user properties. */
export function imageView(img: Image): Record<string, unknown> {
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: img.status,
    visibility: img.visibility,
    protected: img.protected,
    os_hidden: img.os_hidden,
    checksum: img.checksum,
    os_hash_algo: img.os_hash_algo,
    os_hash_value: img.os_hash_value,
    size: img.size,
    virtual_size: img.virtual_size,
    disk_format: img.disk_format,
    container_format: img.container_format,
    min_disk: img.min_disk,
    min_ram: img.min_ram,
    owner: img.owner,
    tags: img.tags,
    created_at: isoTime(img.created_at),
    updated_at: isoTime(img.updated_at),
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** Glance's timestamps: second precision, UTC, a literal Z. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
