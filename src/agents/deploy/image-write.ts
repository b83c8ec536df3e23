// Writes an image to the node's disk while it downloads: one pass over the HTTP body, hashed as it goes,
// qcow2 converted on the fly, nothing stored in between. Whole-disk images land at offset 0 (a config drive
// then goes into a new partition in the last 64 MiB); partition images get a fresh table with
// [ephemeral, swap, config drive,] root, written through the pure plan in partition-layout.ts.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { installBiosBootloader } from './bootloader.ts';
import type { AgentCtx } from './ctx.ts';
import {
  DEFAULT_DOWNLOAD_RETRY,
  type DownloadRetry,
  ImageChecksumError,
  ImageDownloadError,
  ImageStreamError,
  withDownloadRetries,
} from './download-retry.ts';
import { request } from './http-client.ts';
import {
  decodeConfigDrive,
  digestFromChecksumFile,
  expectedDigest,
  type ImageInfo,
  InvalidParams,
  isPartitionImage,
} from './image-info.ts';
import { type BlockDevice, CoalescingWriter, type Machine, writeZeros } from './machine.ts';
import {
  encodeGpt,
  encodeMbr,
  gptAddPartition,
  type Layout,
  type PlannedPartition,
  planLayout,
  readPartitionTable,
  swapHeader,
} from './partition-layout.ts';
import { isQcow2, Qcow2StreamReader } from './qcow2.ts';

const MiB = 1024 * 1024;

export { ImageChecksumError, ImageDownloadError, ImageStreamError } from './download-retry.ts';
export class ImageWriteError extends Error {}

export interface PartitionUuids {
  'root uuid': string | null;
  'efi system partition uuid': string | null;
  'PReP Boot partition uuid': string | null;
  partitions: Record<string, string>;
}

export interface WriteResult {
  device: string;
  bytesDownloaded: number;
  bytesWritten: number;
  seconds: number;
  uuids: PartitionUuids;
  bootloader: string;
  /** Download attempts made (1 when the first one went through). */
  attempts: number;
  /** Why the earlier attempts failed. */
  failedAttempts: string[];
}

function requestHeaders(i: ImageInfo): Record<string, string> {
  const h: Record<string, string> = { ...(i.image_request_headers ?? {}) };
  if (i.image_request_authorization) h['Authorization'] = i.image_request_authorization;
  return h;
}

async function resolveDigest(
  ctx: AgentCtx,
  i: ImageInfo,
  url: string,
): Promise<{ algo: string; value: string }> {
  const d = expectedDigest(i);
  if ('algo' in d) return d;
  const r = await request(d.url, { headers: requestHeaders(i), signal: ctx.signal });
  if (r.status !== 200) {
    r.discard();
    throw new ImageDownloadError(`checksum file ${d.url} answered HTTP ${r.status}`, r.status >= 500);
  }
  const value = digestFromChecksumFile(await r.text(), url);
  const byLength: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
  const algo = byLength[value.length];
  if (!algo) throw new InvalidParams(`checksum file entry ${value} is not a known digest`);
  return { algo, value };
}

/** Opens the image body from the first URL that answers 200; `length` is its Content-Length if given. */
async function download(
  ctx: AgentCtx,
  i: ImageInfo,
): Promise<{ url: string; body: AsyncIterable<Uint8Array>; length: number | undefined }> {
  const failures: string[] = [];
  let transient = false; // a refused connection or a 5xx may go away; a 4xx will not
  for (const url of i.urls) {
    try {
      const r = await request(url, { headers: requestHeaders(i), signal: ctx.signal });
      if (r.status === 200) {
        const length = Number(r.headers['content-length']);
        return { url, body: r.stream, length: Number.isSafeInteger(length) ? length : undefined };
      }
      failures.push(`${url}: HTTP ${r.status}`);
      if (r.status >= 500) transient = true;
      r.discard();
    } catch (e) {
      failures.push(`${url}: ${(e as Error).message}`);
      transient = true;
    }
  }
  throw new ImageDownloadError(`Image download failed for image ${i.id}: ${failures.join('; ')}`, transient);
}

/** The body as it arrives; a break-off (reset, early close, short of its length) becomes an ImageStreamError. */
async function* guarded(
  url: string,
  body: AsyncIterable<Uint8Array>,
  length: number | undefined,
): AsyncGenerator<Uint8Array> {
  let n = 0;
  const of = length === undefined ? '' : ` of ${length}`;
  try {
    for await (const c of body) {
      n += c.length;
      yield c;
    }
  } catch (e) {
    throw new ImageStreamError(
      `${url}: the download broke off after ${n}${of} bytes: ${(e as Error).message}`,
    );
  }
  if (length !== undefined && n !== length)
    throw new ImageStreamError(`${url}: the download ended after ${n}${of} bytes`);
}

/** Streams one image into [base, base+limit) of the disk; raw or qcow2 decided by its first bytes. */
async function streamImage(
  ctx: AgentCtx,
  i: ImageInfo,
  dev: BlockDevice,
  base: number,
  limit: number,
  targetZeroed: boolean,
): Promise<{ downloaded: number; written: number; url: string }> {
  const { url, body, length } = await download(ctx, i);
  const { algo, value } = await resolveDigest(ctx, i, url).catch((e) => {
    (body as { destroy?: () => void }).destroy?.();
    throw e;
  });
  const hash = createHash(algo);
  const out = new CoalescingWriter(dev, base, limit);
  let downloaded = 0;
  let written = 0;
  let qcow: Qcow2StreamReader | undefined;
  let format: 'raw' | 'qcow2' | undefined;
  for await (const chunk of leadingBlock(guarded(url, body, length))) {
    ctx.signal.throwIfAborted();
    hash.update(chunk);
    if (!format) {
      format = isQcow2(chunk) ? 'qcow2' : 'raw';
      if (i.disk_format && i.disk_format !== format)
        throw new ImageWriteError(
          `image ${i.id} is declared ${i.disk_format} but its content is ${format}; refusing to write it`,
        );
      if (format === 'qcow2') qcow = new Qcow2StreamReader(out);
    }
    if (qcow) await qcow.push(chunk);
    else {
      // raw: all-zero 1 MiB blocks need no write when the target already reads as zeros
      if (!(targetZeroed && isZero(chunk))) await out.write(downloaded, chunk);
      written += chunk.length;
    }
    downloaded += chunk.length;
  }
  const got = hash.digest('hex');
  if (got !== value)
    throw new ImageChecksumError(
      `Image failed to verify against checksum. location: ${url}; image ID: ${i.id}; ` +
        `image checksum: ${value}; verification checksum: ${got} (${algo})`,
      got,
      length !== undefined,
    );
  if (qcow) {
    const h = await qcow.end();
    if (h.virtualSize > limit)
      throw new ImageWriteError(
        `image ${i.id} is ${h.virtualSize} bytes, larger than its target (${limit} bytes)`,
      );
    await out.flush();
    // what the image does not map must read as zeros on the disk
    if (!targetZeroed) for (const [a, b] of qcow.unwrittenRanges()) await writeZeros(dev, base + a, base + b);
    written = qcow.bytesWritten;
  }
  await out.flush();
  return { downloaded, written, url };
}

/** Re-chunks a body so the first chunk holds at least 4 KiB (the format is sniffed from it). */
async function* leadingBlock(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const lead: Uint8Array[] = [];
  let n = 0;
  let sent = false;
  for await (const c of body) {
    if (sent) {
      yield c;
      continue;
    }
    lead.push(c);
    n += c.length;
    if (n >= 4096) {
      sent = true;
      yield Buffer.concat(lead);
    }
  }
  if (!sent && n > 0) yield Buffer.concat(lead);
}

function isZero(b: Uint8Array): boolean {
  for (let k = 0; k < b.length; k++) if (b[k] !== 0) return false;
  return true;
}

/** The ext4 UUID of a filesystem starting at `offset`, as blkid reports it; null when not ext2/3/4. */
async function ext4Uuid(dev: BlockDevice, offset: number): Promise<string | null> {
  const sb = await dev.read(offset + 1024, 256);
  if (sb.length < 0x78 || sb[0x38] !== 0x53 || sb[0x39] !== 0xef) return null;
  const h = Buffer.from(sb.subarray(0x68, 0x78)).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function partUuid(layout: Layout, p: PlannedPartition, diskId: number, guids: string[]): string {
  return layout.label === 'gpt'
    ? guids[p.number - 1]!
    : `${diskId.toString(16).padStart(8, '0')}-${String(p.number).padStart(2, '0')}`;
}

export interface WriteRequest {
  image: ImageInfo;
  configdrive: string | undefined;
  disk: BlockDevice;
  /** How a broken download is retried (DEFAULT_DOWNLOAD_RETRY if not given). */
  retry?: DownloadRetry;
}

export async function writeImage(ctx: AgentCtx, machine: Machine, req: WriteRequest): Promise<WriteResult> {
  const t0 = Date.now();
  const { image: i, disk: dev } = req;
  const configdrive = req.configdrive ? decodeConfigDrive(req.configdrive) : undefined;
  const retry = req.retry ?? DEFAULT_DOWNLOAD_RETRY;
  const result = isPartitionImage(i)
    ? await writePartitionImage(ctx, machine, i, dev, configdrive, retry)
    : await writeWholeDiskImage(ctx, machine, i, dev, configdrive, retry);
  await dev.flush();
  await machine.rereadPartitions(dev);
  return { ...result, device: dev.path, seconds: (Date.now() - t0) / 1000 };
}

type Partial = Omit<WriteResult, 'device' | 'seconds'>;

async function writeWholeDiskImage(
  ctx: AgentCtx,
  _machine: Machine,
  i: ImageInfo,
  dev: BlockDevice,
  configdrive: Uint8Array | undefined,
  retry: DownloadRetry,
): Promise<Partial> {
  let r: Awaited<ReturnType<typeof streamImage>>;
  let failedAttempts: string[];
  try {
    // each attempt from a zeroed disk, so a retry need not write what an earlier one left behind
    ({ value: r, failures: failedAttempts } = await withDownloadRetries(
      ctx,
      `image ${i.id} download`,
      retry,
      async () => streamImage(ctx, i, dev, 0, dev.size, await dev.zeroAll()),
    ));
  } catch (e) {
    await writeZeros(dev, 0, Math.min(MiB, dev.size)); // a half-written disk must not boot
    throw e;
  }
  ctx.log.info(`image ${i.id}: ${r.downloaded} bytes downloaded, ${r.written} written to ${dev.path}`);
  const head = await dev.read(0, 34 * 512);
  const table = readPartitionTable(head);
  const partitions: Record<string, string> = {};
  if (configdrive) partitions['configdrive'] = await addConfigDrivePartition(dev, head, table, configdrive);
  const rootUuid =
    table.label === 'gpt'
      ? guidOfGptDisk(head)
      : table.label === 'msdos'
        ? `0x${new DataView(head.buffer, head.byteOffset).getUint32(440, true).toString(16).padStart(8, '0')}`
        : null;
  return {
    bytesDownloaded: r.downloaded,
    bytesWritten: r.written,
    attempts: failedAttempts.length + 1,
    failedAttempts,
    uuids: {
      'root uuid': rootUuid,
      'efi system partition uuid': null,
      'PReP Boot partition uuid': null,
      partitions,
    },
    bootloader: 'whole-disk image: its own boot loader',
  };
}

function guidOfGptDisk(head: Uint8Array): string {
  const b = head.subarray(512 + 56, 512 + 72);
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  const h = order.map((k) => b[k]!.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Whole disk + MBR: a new primary partition over the last 64 MiB holding the config drive. */
async function addConfigDrivePartition(
  dev: BlockDevice,
  head: Uint8Array,
  table: ReturnType<typeof readPartitionTable>,
  cd: Uint8Array,
): Promise<string> {
  const sectors = Math.floor(dev.size / 512);
  if (table.label === 'gpt') {
    // last 64 MiB before the backup GPT, 1 MiB aligned (sgdisk -n 0:-64MB:0)
    const start = Math.floor((sectors - 34 - (64 * MiB) / 512) / 2048) * 2048;
    const guid = randomUUID();
    let writes: ReturnType<typeof gptAddPartition>;
    try {
      writes = gptAddPartition(head, sectors, {
        start,
        sectors: (64 * MiB) / 512,
        role: 'configdrive',
        guid,
      });
    } catch (e) {
      throw new ImageWriteError(`cannot add the config drive partition: ${(e as Error).message}`);
    }
    await writeZeros(dev, start * 512, start * 512 + 64 * MiB);
    await dev.write(start * 512, cd);
    for (const w of writes) await dev.write(w.offset, w.data);
    return guid;
  }
  const start = Math.min(sectors, 0xffffffff) - (64 * MiB) / 512;
  const used = table.parts.reduce((m, p) => Math.max(m, p.start + p.sectors), 0);
  if (start < used) throw new ImageWriteError('no room for a 64 MiB config drive partition after the image');
  const free = [1, 2, 3, 4].find((n) => !table.parts.some((p) => p.number === n));
  if (!free) throw new ImageWriteError('the image has 4 primary partitions: no room for the config drive');
  const mbr = table.label === 'msdos' ? head.slice(0, 512) : new Uint8Array(512);
  const dv = new DataView(mbr.buffer);
  if (table.label !== 'msdos') dv.setUint32(440, randomBytes(4).readUInt32LE(0), true);
  const o = 446 + (free - 1) * 16;
  mbr.set([0, 0xfe, 0xff, 0xff, 0x83, 0xfe, 0xff, 0xff], o);
  dv.setUint32(o + 8, start, true);
  dv.setUint32(o + 12, (64 * MiB) / 512, true);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  await writeZeros(dev, start * 512, start * 512 + 64 * MiB);
  await dev.write(start * 512, cd);
  await dev.write(0, mbr);
  return `${dv.getUint32(440, true).toString(16).padStart(8, '0')}-${String(free).padStart(2, '0')}`;
}

async function writePartitionImage(
  ctx: AgentCtx,
  machine: Machine,
  i: ImageInfo,
  dev: BlockDevice,
  configdrive: Uint8Array | undefined,
  retry: DownloadRetry,
): Promise<Partial> {
  const bootMode = i.deploy_boot_mode === 'uefi' ? 'uefi' : 'bios';
  const rootMb = Number(i.root_mb ?? 0) || Number(i.root_gb ?? 0) * 1024;
  if (!rootMb) throw new InvalidParams('a partition image needs root_mb or root_gb');
  const layout = planLayout({
    diskBytes: dev.size,
    rootMb,
    swapMb: Number(i.swap_mb ?? 0),
    ephemeralMb: Number(i.ephemeral_mb ?? 0),
    configdriveBytes: configdrive ? configdrive.length : 0,
    bootMode,
    diskLabel: (i.disk_label as 'msdos' | 'gpt' | undefined) ?? undefined,
  });
  const byRole = new Map(layout.partitions.map((p) => [p.role, p]));
  const eph = byRole.get('ephemeral');
  const preserve = i.preserve_ephemeral === true && eph !== undefined;
  const head = await dev.read(0, 34 * 512);
  const old = readPartitionTable(head);
  if (preserve) {
    const was = old.parts.find((p) => p.start === eph.start && p.sectors === eph.sectors);
    if (!was)
      throw new ImageWriteError(
        'preserve_ephemeral: the disk has no ephemeral partition of the same place and size; ' +
          'root_mb, swap_mb and ephemeral_mb must match the previous deploy',
      );
  }
  // identifiers: keep the old ones when preserving, so the ephemeral partition keeps its PARTUUID
  const diskId =
    preserve && old.label === 'msdos'
      ? new DataView(head.buffer).getUint32(440, true)
      : randomBytes(4).readUInt32LE(0);
  const guids = layout.partitions.map((p) => {
    const same = preserve
      ? old.parts.find((q) => q.start === p.start && q.sectors === p.sectors && q.number === p.number)
      : undefined;
    return same?.uuid && layout.label === 'gpt' ? same.uuid : randomUUID();
  });
  const diskGuid = randomUUID();
  // the table goes first, everything but a preserved ephemeral partition is cleared around it
  if (!preserve) await writeZeros(dev, 0, MiB);
  if (layout.label === 'gpt')
    for (const w of encodeGpt(layout, diskGuid, guids)) await dev.write(w.offset, w.data);
  else await dev.write(0, encodeMbr(layout, diskId));
  const root = byRole.get('root')!;
  // targetZeroed false: every block of the partition is written, so a retry overwrites what came before
  const { value: r, failures: failedAttempts } = await withDownloadRetries(
    ctx,
    `image ${i.id} download`,
    retry,
    () => streamImage(ctx, i, dev, root.start * 512, root.sectors * 512, false),
  ).catch(async (e) => {
    if (!preserve) await writeZeros(dev, 0, MiB);
    throw e;
  });
  const partitions: Record<string, string> = {};
  for (const p of layout.partitions) partitions[p.role] = partUuid(layout, p, diskId, guids);
  const swap = byRole.get('swap');
  if (swap) {
    await writeZeros(dev, swap.start * 512, swap.start * 512 + MiB);
    await dev.write(swap.start * 512, swapHeader(swap.sectors * 512, randomBytes(16), 'swap1'));
  }
  if (eph && !preserve) {
    await dev.flush();
    await machine.mkfs(dev, eph.start * 512, eph.sectors * 512, i.ephemeral_format || 'ext4', 'ephemeral0');
  }
  const cd = byRole.get('configdrive');
  if (cd && configdrive) {
    await writeZeros(dev, cd.start * 512, (cd.start + cd.sectors) * 512);
    await dev.write(cd.start * 512, configdrive);
  }
  await dev.flush();
  const fsUuid = await ext4Uuid(dev, root.start * 512);
  let bootloader =
    'none: UEFI partition images need image.install_bootloader, which this agent does not support';
  if (bootMode === 'bios') bootloader = await installBiosBootloader(machine, dev, layout);
  ctx.log.info(
    `image ${i.id}: partition image written to ${dev.path} (${layout.label}); boot: ${bootloader}`,
  );
  return {
    bytesDownloaded: r.downloaded,
    bytesWritten: r.written,
    attempts: failedAttempts.length + 1,
    failedAttempts,
    uuids: {
      'root uuid': fsUuid ?? partitions['root']!,
      'efi system partition uuid': byRole.has('efi') ? partitions['efi']! : null,
      'PReP Boot partition uuid': null,
      partitions,
    },
    bootloader,
  };
}
