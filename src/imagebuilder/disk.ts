// From a finished tree to image files, without loop devices: mkfs with a populated directory, the MBR and
// boot code written straight into the file, qemu-img for other formats.
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import type { Ctx } from './ctx.ts';
import { BuildError } from './errors.ts';
import { run } from './proc.ts';

const KiB = 1024;
export const PARTITION_START = 1024 * KiB; // 1 MiB, sector 2048

/** Automatic size in KiB: du total scaled by 1/0.6, plus the ext4 journal, rounded up to 64 KiB. */
export function autoSizeKiB(duKiB: number, fsType: string, journalMiB = 64): number {
  let size = Math.floor(duKiB / 0.6);
  if (fsType === 'ext4') size += journalMiB * 1024;
  return Math.ceil(size / 64) * 64;
}

export function requestedSizeKiB(gb: string): number {
  return Math.ceil((Number(gb) * 1024 * 1024) / 64) * 64;
}

export async function treeSizeKiB(ctx: Ctx, dir: string): Promise<number> {
  const r = await run(ctx, 'du', ['-s', '-x', '-k', dir]);
  return Number(r.stdout.split(/\s/)[0]);
}

export interface MkfsOptions {
  fsType: string;
  label: string;
  uuid?: string;
  extra: string;
  sizeKiB: number;
  maxOnlineResize?: string;
}

export function mkfsArgs(o: MkfsOptions, tree: string, file: string): string[] {
  if (!/^ext[234]$/.test(o.fsType)) {
    throw new BuildError(
      `FS_TYPE=${o.fsType} is not supported: only ext2/ext3/ext4 can be built from a directory`,
    );
  }
  const args = ['-F', '-q', '-t', o.fsType, '-L', o.label];
  if (o.fsType === 'ext4') args.push('-i', '4096', '-J', 'size=64');
  if (o.uuid) args.push('-U', o.uuid);
  if (o.maxOnlineResize) args.push('-E', `resize=${o.maxOnlineResize}`);
  if (o.extra.trim()) args.push(...o.extra.trim().split(/\s+/));
  args.push('-d', tree, file, `${o.sizeKiB}k`);
  return args;
}

export async function makeFilesystem(ctx: Ctx, o: MkfsOptions, tree: string, file: string): Promise<void> {
  const label = o.label;
  if (o.fsType === 'xfs' && label.length > 12)
    throw new BuildError('XFS labels are limited to 12 characters');
  await run(ctx, 'mkfs', mkfsArgs(o, tree, file));
}

/** A classic MBR: boot code (first 440 bytes), signature, one bootable Linux partition, 0x55AA. */
export function buildMbr(
  bootCode: Buffer | undefined,
  startSector: number,
  sectors: number,
  signature: number,
): Buffer {
  const mbr = Buffer.alloc(512);
  if (bootCode) bootCode.copy(mbr, 0, 0, Math.min(440, bootCode.length));
  mbr.writeUInt32LE(signature >>> 0, 440);
  const e = 446;
  mbr[e] = 0x80; // bootable
  mbr.set([0xfe, 0xff, 0xff], e + 1); // CHS unused: LBA addressing
  mbr[e + 4] = 0x83;
  mbr.set([0xfe, 0xff, 0xff], e + 5);
  mbr.writeUInt32LE(startSector, e + 8);
  mbr.writeUInt32LE(sectors, e + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return mbr;
}

export interface BootCode {
  bootImg: string;
  coreImg: string;
}

/** Writes a partitioned disk: MBR, GRUB core.img in the gap after it, the filesystem at 1 MiB (sparse). */
export async function assembleDisk(ctx: Ctx, fsImage: string, disk: string, boot?: BootCode): Promise<void> {
  const fsBytes = statSync(fsImage).size;
  if (fsBytes % 512 !== 0) throw new BuildError('filesystem image is not a whole number of sectors');
  let bootCode: Buffer | undefined;
  let core: Buffer | undefined;
  if (boot) {
    bootCode = readFileSync(boot.bootImg);
    core = readFileSync(boot.coreImg);
    if (512 + core.length > PARTITION_START)
      throw new BuildError(`GRUB core.img (${core.length} bytes) does not fit before 1 MiB`);
  }
  const signature = Number.parseInt(statSync(fsImage).ino.toString(16).slice(-8) || '1', 16) || 1;
  const mbr = buildMbr(bootCode, PARTITION_START / 512, fsBytes / 512, signature);
  const fd = openSync(disk, 'w');
  try {
    writeSync(fd, mbr, 0, 512, 0);
    if (core) writeSync(fd, core, 0, core.length, 512);
  } finally {
    closeSync(fd);
  }
  truncateSync(disk, PARTITION_START + fsBytes);
  await run(ctx, 'dd', [
    `if=${fsImage}`,
    `of=${disk}`,
    'bs=4M',
    `seek=${PARTITION_START}`,
    'oflag=seek_bytes',
    'conv=sparse,notrunc',
    'status=none',
  ]);
}

export async function convertImage(
  ctx: Ctx,
  raw: string,
  type: string,
  out: string,
  compress: boolean,
  opts: string,
): Promise<void> {
  const args = ['convert'];
  if (compress && type === 'qcow2') args.push('-c');
  args.push('-f', 'raw', '-O', type);
  if (opts) args.push('-o', opts);
  args.push(raw, out);
  await run(ctx, 'qemu-img', args);
}

export async function writeTar(ctx: Ctx, tree: string, out: string): Promise<void> {
  await run(ctx, 'tar', [
    '-C',
    tree,
    '-cf',
    out,
    '--exclude',
    './sys',
    '--exclude',
    './proc',
    '--xattrs',
    '--xattrs-include=*',
    '.',
  ]);
}
