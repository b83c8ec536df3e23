// A streaming qcow2 → raw converter: the image arrives once, front to back (an HTTP body), and every data
// cluster is written to its guest offset as it passes. Works for images whose L2 tables come before the data
// they map, which is how `qemu-img convert`/`create` lay files out (L2 tables are allocated on the first write
// to their range). Bytes that pass before anything is known about them are kept, up to a bound, so small
// departures from that order still convert; past the bound the image is refused with a clear error.
// Supports versions 2 and 3, uncompressed and zlib (deflate) compressed clusters, zero clusters;
// refuses backing files, encryption, external data files, extended L2 entries and zstd compression.
// Why our own reader rather than `qemu-img convert` through a fifo: docs/decisions/deploy-agent-qcow2.md.
import { inflateRawSync } from 'node:zlib';

export const QCOW2_MAGIC = 0x514649fb; // 'QFI\xfb'

export class Qcow2Error extends Error {}

export interface Qcow2Header {
  version: number;
  clusterBits: number;
  clusterSize: number;
  virtualSize: number;
  l1Size: number;
  l1TableOffset: number;
  headerLength: number;
}

const u64 = (b: Uint8Array, o: number): number => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Qcow2Error(`qcow2: 64-bit field at ${o} out of range`);
  return Number(v);
};
const u32 = (b: Uint8Array, o: number): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o);

export function isQcow2(first: Uint8Array): boolean {
  return first.length >= 4 && u32(first, 0) === QCOW2_MAGIC;
}

/** Parses and checks the fixed header (the first 105 bytes are enough for every version we take). */
export function parseQcow2Header(b: Uint8Array): Qcow2Header {
  if (b.length < 72 || u32(b, 0) !== QCOW2_MAGIC) throw new Qcow2Error('not a qcow2 image (bad magic)');
  const version = u32(b, 4);
  if (version !== 2 && version !== 3) throw new Qcow2Error(`qcow2 version ${version} is not supported`);
  if (u64(b, 8) !== 0) throw new Qcow2Error('qcow2 images with a backing file are not supported');
  const clusterBits = u32(b, 20);
  if (clusterBits < 9 || clusterBits > 21) throw new Qcow2Error(`qcow2 cluster_bits ${clusterBits} invalid`);
  if (u32(b, 32) !== 0) throw new Qcow2Error('encrypted qcow2 images are not supported');
  let headerLength = 72;
  if (version === 3) {
    if (b.length < 104) throw new Qcow2Error('qcow2 v3 header truncated');
    const incompatible = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(72);
    // bit 0 dirty (mapping still valid), 1 corrupt, 2 external data file, 3 compression type, 4 extended L2
    if (incompatible & 2n) throw new Qcow2Error('qcow2 image is marked corrupt');
    if (incompatible & 4n) throw new Qcow2Error('qcow2 images with an external data file are not supported');
    if (incompatible & 16n) throw new Qcow2Error('qcow2 extended L2 entries are not supported');
    headerLength = u32(b, 100);
    if (incompatible & 8n) {
      const type = headerLength > 104 && b.length > 104 ? b[104]! : 0;
      if (type !== 0) throw new Qcow2Error('qcow2 zstd compression is not supported (only zlib)');
    }
    if (incompatible & ~31n) throw new Qcow2Error('qcow2 image uses unknown incompatible features');
  }
  return {
    version,
    clusterBits,
    clusterSize: 2 ** clusterBits,
    virtualSize: u64(b, 24),
    l1Size: u32(b, 36),
    l1TableOffset: u64(b, 40),
    headerLength,
  };
}

const OFFSET_MASK = 0x00fffffffffffe00n;

/** One L2 entry decoded: where a guest cluster's data lives. */
export type L2Mapping =
  | { kind: 'unallocated' }
  | { kind: 'zero' }
  | { kind: 'data'; hostOffset: number }
  | { kind: 'compressed'; hostOffset: number; length: number };

export function decodeL2Entry(entry: bigint, clusterBits: number): L2Mapping {
  if (entry & (1n << 62n)) {
    const x = BigInt(62 - (clusterBits - 8));
    const hostOffset = Number(entry & ((1n << x) - 1n));
    const sectors = Number((entry >> x) & ((1n << (62n - x)) - 1n)) + 1;
    // the data runs from hostOffset to the end of the last of `sectors` 512-byte sectors
    const end = Math.floor(hostOffset / 512) * 512 + sectors * 512;
    return { kind: 'compressed', hostOffset, length: end - hostOffset };
  }
  const hostOffset = Number(entry & OFFSET_MASK);
  if (entry & 1n) return { kind: 'zero' };
  return hostOffset === 0 ? { kind: 'unallocated' } : { kind: 'data', hostOffset };
}

/** Where converted bytes go: a raw guest offset and the data. */
export interface RawSink {
  write(offset: number, data: Uint8Array): Promise<void>;
}

type Extent =
  | { off: number; len: number; kind: 'header' }
  | { off: number; len: number; kind: 'l1' }
  | { off: number; len: number; kind: 'l2'; firstGuestCluster: number }
  | { off: number; len: number; kind: 'data'; guest: number }
  | { off: number; len: number; kind: 'compressed'; guest: number };

interface Segment {
  off: number;
  buf: Uint8Array;
}

export interface Qcow2StreamOptions {
  /** Bytes kept while their meaning is unknown before the image is refused (default 64 MiB). */
  maxRetained?: number;
}

export class Qcow2StreamReader {
  private pos = 0;
  private pending: Extent[] = [{ off: 0, len: 105, kind: 'header' }];
  private segments: Segment[] = [];
  /** The last sector of recent compressed clusters: the next compressed cluster may start inside it,
   * and qemu may write that one before the L2 table that maps it. */
  private tails: Segment[] = [];
  private retained = 0;
  private unreadL2 = -1; // -1 until the L1 table is read
  private readonly maxRetained: number;
  header: Qcow2Header | undefined;
  /** One flag per guest cluster: set when data was written there. */
  written: Uint8Array = new Uint8Array(0);
  bytesWritten = 0;

  private readonly sink: RawSink;

  constructor(sink: RawSink, opts: Qcow2StreamOptions = {}) {
    this.sink = sink;
    this.maxRetained = opts.maxRetained ?? 64 * 1024 * 1024;
  }

  async push(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    this.segments.push({ off: this.pos, buf: chunk });
    this.retained += chunk.length;
    this.pos += chunk.length;
    await this.drain(false);
    this.trim();
  }

  /** The stream ended: finish what can be finished; a missing table or cluster is an error. */
  async end(): Promise<Qcow2Header> {
    await this.drain(true);
    if (!this.header) throw new Qcow2Error('qcow2 image truncated: no header');
    if (this.unreadL2 !== 0 || this.pending.length > 0) {
      const what = this.pending[0];
      throw new Qcow2Error(
        `qcow2 image truncated: ${what ? `${what.kind} at offset ${what.off}` : 'L1 table'} is past the end (${this.pos} bytes)`,
      );
    }
    return this.header;
  }

  /** Guest byte ranges no data was written to (unallocated or zero clusters), merged, clipped to the size. */
  unwrittenRanges(): Array<[number, number]> {
    const h = this.header;
    if (!h) return [];
    const out: Array<[number, number]> = [];
    for (let c = 0; c < this.written.length; c++) {
      if (this.written[c]) continue;
      const start = c * h.clusterSize;
      const end = Math.min(start + h.clusterSize, h.virtualSize);
      const last = out[out.length - 1];
      if (last && last[1] === start) last[1] = end;
      else out.push([start, end]);
    }
    return out;
  }

  private add(e: Extent): void {
    // keep `pending` sorted by offset (most additions land at the end)
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.off > e.off) i--;
    this.pending.splice(i, 0, e);
  }

  private async drain(eof: boolean): Promise<void> {
    for (;;) {
      const e = this.pending[0];
      if (!e) return;
      let len = e.len;
      if (e.off + len > this.pos) {
        // compressed data may be declared to run past the end of the file; everything else must be whole
        if (!(eof && e.kind === 'compressed' && e.off < this.pos)) return;
        len = this.pos - e.off;
      }
      this.pending.shift();
      const bytes = this.take(e.off, len);
      if (e.kind === 'compressed') {
        const lastSector = Math.max(e.off, Math.floor((e.off + len - 1) / 512) * 512);
        this.tails.push({ off: lastSector, buf: bytes.subarray(lastSector - e.off) });
        if (this.tails.length > 64) this.tails.shift();
      }
      const next = this.pending[0];
      this.drop(e.off, Math.min(e.off + len, next ? next.off : Number.POSITIVE_INFINITY));
      await this.handle(e, bytes);
    }
  }

  private async handle(e: Extent, b: Uint8Array): Promise<void> {
    switch (e.kind) {
      case 'header': {
        const h = parseQcow2Header(b);
        this.header = h;
        const clusters = Math.ceil(h.virtualSize / h.clusterSize);
        const l2Entries = h.clusterSize / 8;
        if (h.l1Size < Math.ceil(clusters / l2Entries))
          throw new Qcow2Error(`qcow2 L1 table too small (${h.l1Size}) for ${h.virtualSize} bytes`);
        this.written = new Uint8Array(clusters);
        if (h.l1Size === 0) this.unreadL2 = 0;
        else this.add({ off: h.l1TableOffset, len: h.l1Size * 8, kind: 'l1' });
        return;
      }
      case 'l1': {
        const h = this.header!;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const l2Entries = h.clusterSize / 8;
        let n = 0;
        for (let i = 0; i < h.l1Size; i++) {
          const off = Number(dv.getBigUint64(i * 8) & OFFSET_MASK);
          if (off === 0) continue;
          this.add({ off, len: h.clusterSize, kind: 'l2', firstGuestCluster: i * l2Entries });
          n++;
        }
        this.unreadL2 = n;
        return;
      }
      case 'l2': {
        const h = this.header!;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        for (let i = 0; i < h.clusterSize / 8; i++) {
          const guestCluster = e.firstGuestCluster + i;
          if (guestCluster >= this.written.length) break;
          const m = decodeL2Entry(dv.getBigUint64(i * 8), h.clusterBits);
          const guest = guestCluster * h.clusterSize;
          if (m.kind === 'data') this.add({ off: m.hostOffset, len: h.clusterSize, kind: 'data', guest });
          else if (m.kind === 'compressed')
            this.add({ off: m.hostOffset, len: m.length, kind: 'compressed', guest });
        }
        this.unreadL2--;
        return;
      }
      case 'data':
      case 'compressed': {
        const h = this.header!;
        let data = b;
        if (e.kind === 'compressed') {
          try {
            data = inflateRawSync(b, { finishFlush: 2 /* Z_SYNC_FLUSH: the tail may be cut */ });
          } catch (err) {
            throw new Qcow2Error(
              `qcow2 compressed cluster at ${e.off} does not inflate: ${(err as Error).message}`,
            );
          }
          if (data.length < h.clusterSize)
            throw new Qcow2Error(`qcow2 compressed cluster at ${e.off} inflates to ${data.length} bytes`);
        }
        const len = Math.min(h.clusterSize, h.virtualSize - e.guest);
        await this.sink.write(e.guest, data.subarray(0, len));
        this.written[e.guest / h.clusterSize] = 1;
        this.bytesWritten += len;
        return;
      }
    }
  }

  /** Copies [off, off+len) out of the retained segments. */
  private take(off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const got: Array<[number, number]> = [];
    for (const s of [...this.tails, ...this.segments]) {
      const sEnd = s.off + s.buf.length;
      if (sEnd <= off || s.off >= off + len) continue;
      const from = Math.max(off, s.off);
      const to = Math.min(off + len, sEnd);
      out.set(s.buf.subarray(from - s.off, to - s.off), from - off);
      got.push([from, to]);
    }
    got.sort((a, b) => a[0] - b[0]);
    let filled = 0;
    let reach = off;
    for (const [a, b] of got) {
      if (b <= reach) continue;
      filled += b - Math.max(a, reach);
      reach = b;
    }
    if (filled !== len)
      throw new Qcow2Error(
        `qcow2 bytes ${off}..${off + len} were needed after they had passed; ` +
          'this layout cannot be streamed (re-create the image with qemu-img convert -O qcow2)',
      );
    return out;
  }

  /** Forgets [from, to): those bytes have been used and nothing pending overlaps them. */
  private drop(from: number, to: number): void {
    if (to <= from) return;
    const out: Segment[] = [];
    for (const s of this.segments) {
      const sEnd = s.off + s.buf.length;
      if (sEnd <= from || s.off >= to) {
        out.push(s);
        continue;
      }
      if (s.off < from) out.push({ off: s.off, buf: s.buf.subarray(0, from - s.off) });
      if (sEnd > to) out.push({ off: to, buf: s.buf.subarray(to - s.off) });
    }
    this.segments = out;
    this.retained = out.reduce((n, s) => n + s.buf.length, 0);
  }

  /** Once every table is read, bytes below the next wanted offset are never needed again. */
  private trim(): void {
    if (this.unreadL2 === 0) {
      const low = this.pending[0]?.off ?? this.pos;
      this.drop(0, low);
    } else if (this.retained > this.maxRetained) {
      throw new Qcow2Error(
        `qcow2 image keeps more than ${this.maxRetained} bytes whose meaning is not yet known ` +
          '(data before its tables); this layout cannot be streamed (re-create it with qemu-img convert -O qcow2)',
      );
    }
  }
}
