// Cleaning's erase steps. erase_devices_metadata wipes what makes a disk look used (partition tables at both
// ends, filesystem/RAID/swap signatures at the start and end of each partition), as ironic-lib's
// destroy_disk_metadata does with wipefs and dd; erase_devices overwrites every byte.
import { randomFillSync } from 'node:crypto';
import type { BlockDevice } from './machine.ts';
import { writeZeros } from './machine.ts';
import { readPartitionTable } from './partition-layout.ts';

const MiB = 1024 * 1024;

/** Byte ranges to zero: 1 MiB at each end of the disk and of each partition (signatures live there). */
export function metadataRanges(
  diskBytes: number,
  partitions: Array<{ start: number; sectors: number }>,
): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const add = (from: number, to: number) => {
    const a = Math.max(0, from);
    const b = Math.min(diskBytes, to);
    if (b > a) ranges.push([a, b]);
  };
  add(0, MiB);
  add(diskBytes - MiB, diskBytes);
  for (const p of partitions) {
    const s = p.start * 512;
    const e = s + p.sectors * 512;
    add(s, Math.min(e, s + MiB));
    add(Math.max(s, e - MiB), e);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

export async function eraseMetadata(dev: BlockDevice): Promise<number> {
  const head = await dev.read(0, 34 * 512);
  const { parts } = readPartitionTable(head);
  let n = 0;
  for (const [a, b] of metadataRanges(dev.size, parts)) {
    await writeZeros(dev, a, b);
    n += b - a;
  }
  await dev.flush();
  return n;
}

/** Overwrites the whole device: `iterations` passes of random data, then zeros if `zeroize`. */
export async function eraseFull(
  dev: BlockDevice,
  opts: { iterations: number; zeroize: boolean; signal: AbortSignal },
): Promise<void> {
  const buf = new Uint8Array(4 * MiB);
  for (let pass = 0; pass < opts.iterations; pass++) {
    for (let o = 0; o < dev.size; o += buf.length) {
      opts.signal.throwIfAborted();
      randomFillSync(buf);
      await dev.write(o, buf.subarray(0, Math.min(buf.length, dev.size - o)));
    }
  }
  if (opts.zeroize) {
    for (let o = 0; o < dev.size; o += 64 * MiB) {
      opts.signal.throwIfAborted();
      await writeZeros(dev, o, Math.min(dev.size, o + 64 * MiB));
    }
  }
  await dev.flush();
}
