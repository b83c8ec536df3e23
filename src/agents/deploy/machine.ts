// The seams between the agent and the machine it runs on. A ramdisk gets linux-machine.ts (/proc, /sys,
// block devices, poweroff); a `sim` node gets sim-machine.ts (a sparse file as its disk, power as a callback).
import { open } from 'node:fs/promises';
import type { Inventory } from './hardware.ts';

export interface BlockDevice {
  readonly path: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Makes the whole device read as zeros cheaply if it can (a regular file: truncate); false if not. */
  zeroAll(): Promise<boolean>;
  /**
   * Makes [from, to) (512-byte aligned) read as zeros without sending zeros through us: the kernel's
   * BLKZEROOUT, which uses the device's write-zeroes command where it has one. Absent on regular files.
   */
  zeroRange?(from: number, to: number): Promise<void>;
}

export interface Machine {
  inventory(): Promise<Inventory>;
  openDisk(name: string): Promise<BlockDevice>;
  /** Makes an ext4 (or other mkfs.TYPE) filesystem inside [offset, offset+bytes) of the disk. */
  mkfs(disk: BlockDevice, offset: number, bytes: number, fstype: string, label: string): Promise<void>;
  /** Lets the kernel see a new partition table (no-op where there is no kernel view). */
  rereadPartitions(disk: BlockDevice): Promise<void>;
  /** GRUB's boot.img and a core.img with our search-and-boot config, if this machine carries them. */
  bootloader(): Promise<{ bootImg: Uint8Array; coreImg: Uint8Array } | undefined>;
  sync(): Promise<void>;
  powerOff(): Promise<void>;
}

/** A block device or a regular file of a known size, through one file handle. */
export async function openFileDevice(
  path: string,
  size: number,
  isRegularFile: boolean,
  zeroRange?: (from: number, to: number) => Promise<void>,
): Promise<BlockDevice> {
  const fh = await open(path, 'r+');
  return {
    path,
    size,
    ...(zeroRange ? { zeroRange } : {}),
    async read(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf;
    },
    async write(offset, data) {
      if (offset < 0 || offset + data.length > size)
        throw new Error(`write of ${data.length} bytes at ${offset} is outside ${path} (${size} bytes)`);
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
    },
    flush: () => fh.sync(),
    close: () => fh.close(),
    async zeroAll() {
      if (!isRegularFile) return false;
      await fh.truncate(0);
      await fh.truncate(size);
      return true;
    },
  };
}

/** Writes through, joining consecutive writes into larger ones (qcow2 clusters are 64 KiB). */
export class CoalescingWriter {
  private start = -1;
  private parts: Uint8Array[] = [];
  private length = 0;

  private readonly dev: BlockDevice;
  private readonly base: number;
  private readonly limit: number;
  private readonly maxBatch = 4 * 1024 * 1024;

  constructor(dev: BlockDevice, base = 0, limit = Number.POSITIVE_INFINITY) {
    this.dev = dev;
    this.base = base;
    this.limit = limit;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.limit)
      throw new Error(`image data at ${offset}..${offset + data.length} does not fit in ${this.limit} bytes`);
    if (
      this.start >= 0 &&
      offset === this.start + this.length &&
      this.length + data.length <= this.maxBatch
    ) {
      this.parts.push(data.slice());
      this.length += data.length;
      return;
    }
    await this.flush();
    this.start = offset;
    this.parts = [data.slice()];
    this.length = data.length;
  }

  async flush(): Promise<void> {
    if (this.start < 0) return;
    const one = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    await this.dev.write(this.base + this.start, one);
    this.start = -1;
    this.parts = [];
    this.length = 0;
  }
}

const ZERO = new Uint8Array(4 * 1024 * 1024);

/** Below this a range is written with zeros directly: starting a zeroing command costs more. */
const ZERO_RANGE_MIN = 1024 * 1024;

export async function writeZeros(dev: BlockDevice, from: number, to: number): Promise<void> {
  const a = Math.ceil(from / 512) * 512;
  const b = Math.floor(to / 512) * 512;
  if (dev.zeroRange && b - a >= ZERO_RANGE_MIN) {
    await sendZeros(dev, from, a);
    await dev.zeroRange(a, b);
    await sendZeros(dev, b, to);
  } else await sendZeros(dev, from, to);
}

async function sendZeros(dev: BlockDevice, from: number, to: number): Promise<void> {
  for (let o = from; o < to; o += ZERO.length)
    await dev.write(o, ZERO.subarray(0, Math.min(ZERO.length, to - o)));
}
