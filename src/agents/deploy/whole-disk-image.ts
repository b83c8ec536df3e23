// A whole-disk image: written from offset 0 and bringing its own partition table and boot loader; a failed
// write clears the first MiB so the half-written disk does not boot.
// A config drive then goes into a new partition over the last 64 MiB (GPT or MBR, as the image has it).
import { randomBytes, randomUUID } from 'node:crypto';
import type { AgentCtx } from './ctx.ts';
import { type DownloadRetry, withDownloadRetries } from './download-retry.ts';
import type { ImageInfo } from './image-info.ts';
import { ImageWriteError, streamImage } from './image-stream.ts';
import type { WrittenImage } from './image-write.ts';
import { type BlockDevice, type Machine, writeZeros } from './machine.ts';
import { gptAddPartition, readPartitionTable } from './partition-layout.ts';

const MiB = 1024 * 1024;

export async function writeWholeDiskImage(
  ctx: AgentCtx,
  _machine: Machine,
  i: ImageInfo,
  dev: BlockDevice,
  configdrive: Uint8Array | undefined,
  retry: DownloadRetry,
): Promise<WrittenImage> {
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
