// Writes an image to the node's disk while it downloads (image-stream.ts): a whole-disk image lands at
// offset 0 (whole-disk-image.ts), a partition image in a fresh table's root partition (partition-image.ts).
import type { AgentCtx } from './ctx.ts';
import { DEFAULT_DOWNLOAD_RETRY, type DownloadRetry } from './download-retry.ts';
import { decodeConfigDrive, type ImageInfo, isPartitionImage } from './image-info.ts';
import type { BlockDevice, Machine } from './machine.ts';
import { writePartitionImage } from './partition-image.ts';
import { writeWholeDiskImage } from './whole-disk-image.ts';

export { ImageChecksumError, ImageDownloadError, ImageStreamError } from './download-retry.ts';
export { ImageWriteError } from './image-stream.ts';

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

/** What either kind of image reports; writeImage adds the device and the time taken. */
export type WrittenImage = Omit<WriteResult, 'device' | 'seconds'>;
