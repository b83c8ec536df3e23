// A partition image: a fresh table with [ephemeral, swap, config drive,] root laid out by the pure plan in
// partition-layout.ts, the image streamed into the root partition, swap and ephemeral made, the config drive
// written, and (BIOS) a boot loader installed. preserve_ephemeral keeps the ephemeral partition and its ids.
import { randomBytes, randomUUID } from 'node:crypto';
import { installBiosBootloader } from './bootloader.ts';
import type { AgentCtx } from './ctx.ts';
import { type DownloadRetry, withDownloadRetries } from './download-retry.ts';
import { type ImageInfo, InvalidParams } from './image-info.ts';
import { ImageWriteError, streamImage } from './image-stream.ts';
import type { WrittenImage } from './image-write.ts';
import { type BlockDevice, type Machine, writeZeros } from './machine.ts';
import {
  encodeGpt,
  encodeMbr,
  type Layout,
  type PlannedPartition,
  planLayout,
  readPartitionTable,
  swapHeader,
} from './partition-layout.ts';

const MiB = 1024 * 1024;

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

export async function writePartitionImage(
  ctx: AgentCtx,
  machine: Machine,
  i: ImageInfo,
  dev: BlockDevice,
  configdrive: Uint8Array | undefined,
  retry: DownloadRetry,
): Promise<WrittenImage> {
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
