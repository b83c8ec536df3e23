// What standby.prepare_image / write_image receive (Ironic's image_info) and the checks IPA makes before
// touching the disk: an id, at least one URL, a checksum, sizes that make sense.
import { gunzipSync } from 'node:zlib';

export interface ImageInfo {
  id: string;
  urls: string[];
  disk_format?: string;
  container_format?: string;
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
  image_type?: string;
  root_mb?: number;
  root_gb?: number;
  swap_mb?: number;
  ephemeral_mb?: number;
  ephemeral_format?: string;
  preserve_ephemeral?: boolean;
  deploy_boot_mode?: string;
  disk_label?: string;
  node_uuid?: string;
  image_request_authorization?: string;
  /** Our addition: extra request headers for the image server (e.g. X-Auth-Token for the image service). */
  image_request_headers?: Record<string, string>;
}

export class InvalidParams extends Error {}

const ALGOS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

export function validateImageInfo(raw: unknown): ImageInfo {
  if (!raw || typeof raw !== 'object') throw new InvalidParams('image_info is missing or not an object');
  const i = raw as Record<string, unknown>;
  if (typeof i['id'] !== 'string' || !i['id']) throw new InvalidParams('image_info is missing "id"');
  const urls = i['urls'];
  if (
    !Array.isArray(urls) ||
    urls.length === 0 ||
    !urls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u))
  )
    throw new InvalidParams('image_info "urls" must be a non-empty list of http(s) URLs');
  const hasHash = typeof i['os_hash_algo'] === 'string' && typeof i['os_hash_value'] === 'string';
  if (!hasHash && typeof i['checksum'] !== 'string')
    throw new InvalidParams('image_info needs a checksum or os_hash_algo and os_hash_value');
  if (hasHash && !ALGOS.has(String(i['os_hash_algo']).toLowerCase()))
    throw new InvalidParams(`unsupported os_hash_algo ${String(i['os_hash_algo'])}`);
  for (const k of ['root_mb', 'root_gb', 'swap_mb', 'ephemeral_mb']) {
    const v = i[k];
    if (v !== undefined && v !== null && !(Number.isInteger(Number(v)) && Number(v) >= 0))
      throw new InvalidParams(`image_info "${k}" must be a non-negative integer`);
  }
  if (i['disk_format'] !== undefined && !['raw', 'qcow2'].includes(String(i['disk_format'])))
    throw new InvalidParams(`disk_format ${String(i['disk_format'])} is not supported (raw, qcow2)`);
  if (
    i['disk_label'] !== undefined &&
    i['disk_label'] !== null &&
    !['msdos', 'gpt'].includes(String(i['disk_label']))
  )
    throw new InvalidParams(`disk_label ${String(i['disk_label'])} is not supported (msdos, gpt)`);
  return i as unknown as ImageInfo;
}

export function isPartitionImage(i: ImageInfo): boolean {
  return i.image_type === 'partition';
}

/** The expected digest: os_hash first (what Glance computes), else `checksum` by its length. */
export function expectedDigest(i: ImageInfo): { algo: string; value: string } | { url: string } {
  if (i.os_hash_algo && i.os_hash_value)
    return { algo: i.os_hash_algo.toLowerCase(), value: i.os_hash_value.toLowerCase() };
  const c = (i.checksum ?? '').trim();
  if (/^https?:\/\//.test(c)) return { url: c };
  const byLength: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
  const algo = byLength[c.length];
  if (!algo || !/^[0-9a-fA-F]+$/.test(c))
    throw new InvalidParams(`checksum ${c} is not an md5/sha1/sha256/sha512 hex digest`);
  return { algo, value: c.toLowerCase() };
}

/** A checksums file (`<hex>  <name>` lines, or one bare digest): the digest for the image's file name. */
export function digestFromChecksumFile(text: string, imageUrl: string): string {
  const name = decodeURIComponent(new URL(imageUrl).pathname.split('/').pop() ?? '');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of lines) {
    const [hex, file] = l.split(/\s+\*?/, 2);
    if (file && file.replace(/^\*/, '').split('/').pop() === name && hex) return hex.toLowerCase();
  }
  if (lines.length === 1 && /^[0-9a-fA-F]+$/.test(lines[0]!.split(/\s+/)[0]!))
    return lines[0]!.split(/\s+/)[0]!.toLowerCase();
  throw new InvalidParams(`checksum file has no entry for ${name}`);
}

export const MAX_CONFIGDRIVE = 64 * 1024 * 1024;

/** base64 → gunzip (IPA accepts an uncompressed ISO too) → ≤ 64 MiB. */
export function decodeConfigDrive(b64: string): Uint8Array {
  const clean = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0)
    throw new InvalidParams('config drive is not valid base64');
  const raw = Buffer.from(clean, 'base64');
  let data: Uint8Array = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      data = gunzipSync(raw, { maxOutputLength: MAX_CONFIGDRIVE + 1 });
    } catch (e) {
      throw new InvalidParams(`config drive does not gunzip: ${(e as Error).message}`);
    }
  }
  if (data.length > MAX_CONFIGDRIVE) throw new InvalidParams('config drive is larger than 64 MiB');
  if (data.length === 0) throw new InvalidParams('config drive is empty');
  return data;
}
