// Where upload bytes go: copied once into 1 MiB slots of a shared buffer, then each full slot is written to
// the file and hashed on worker threads at the same time. A fixed number of slots bounds memory whatever
// the image size: when all are busy the sink stops taking data and TCP backpressure slows the client.
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { HEADER_BYTES } from '../model/qcow2.ts';
import { type Digests, InlineHasher, type SlotHasher, ThreadedHasher } from './digest.ts';

export const SLOT_BYTES = 1 << 20;
const SLOTS = 8;

export interface SinkOptions {
  /** Bytes beyond which the upload fails with onLimit's error. */
  limit: number;
  onLimit: (received: number) => Error;
  /** Hash on worker threads (large or unknown sizes) or inline (small uploads). */
  threaded: boolean;
  /** fsync the data before the sink reports success. */
  sync: boolean;
}

export interface SinkResult extends Digests {
  size: number;
  head: Uint8Array;
}

export class DataSink extends Writable {
  readonly #fh: FileHandle;
  readonly #opts: SinkOptions;
  readonly #buffer = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  readonly #hasher: SlotHasher;
  readonly #free: number[] = [];
  readonly #waiting: ((offset: number) => void)[] = [];
  #current: number | undefined;
  #fill = 0;
  #position = 0;
  #received = 0;
  #inflight = 0;
  #drained: (() => void) | undefined;
  #error: Error | undefined;
  #head = new Uint8Array(0);
  result: SinkResult | undefined;

  constructor(fh: FileHandle, opts: SinkOptions) {
    super({ highWaterMark: SLOT_BYTES });
    this.#fh = fh;
    this.#opts = opts;
    for (let i = 0; i < SLOTS; i++) this.#free.push(i * SLOT_BYTES);
    this.#hasher = opts.threaded ? new ThreadedHasher(this.#buffer, fh.fd) : new InlineHasher(this.#buffer);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#received += chunk.length;
    if (this.#received > this.#opts.limit) cb(this.#opts.onLimit(this.#received));
    else if (this.#error) cb(this.#error);
    else this.#copy(chunk).then(() => cb(this.#error), cb);
  }

  async #copy(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.#current === undefined) this.#current = this.#free.pop() ?? (await this.#nextFree());
      const n = Math.min(SLOT_BYTES - this.#fill, chunk.length - off);
      new Uint8Array(this.#buffer, this.#current + this.#fill, n).set(chunk.subarray(off, off + n));
      this.#fill += n;
      off += n;
      if (this.#fill === SLOT_BYTES) this.#dispatch();
    }
  }

  #nextFree(): Promise<number> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #dispatch(): void {
    const offset = this.#current as number;
    const length = this.#fill;
    const position = this.#position;
    if (position === 0)
      this.#head = new Uint8Array(this.#buffer, offset, Math.min(length, HEADER_BYTES)).slice();
    this.#position += length;
    this.#current = undefined;
    this.#fill = 0;
    this.#inflight++;
    let left = this.#hasher.writes ? 1 : 2; // the hasher, and the file write unless the hasher does it
    const release = () => {
      if (--left > 0) return;
      this.#inflight--;
      const waiter = this.#waiting.shift();
      if (waiter) waiter(offset);
      else this.#free.push(offset);
      if (this.#inflight === 0) this.#drained?.();
    };
    this.#hasher.submit(offset, length, position, release);
    if (this.#hasher.writes) return;
    writeAll(this.#fh, new Uint8Array(this.#buffer, offset, length), position).then(release, (e: Error) => {
      this.#error ??= e;
      release();
    });
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.#fill > 0 && !this.#error) this.#dispatch();
    const drained = this.#inflight === 0 ? Promise.resolve() : new Promise<void>((r) => (this.#drained = r));
    drained
      .then(async () => {
        if (this.#error) throw this.#error;
        const digests = await this.#hasher.digests();
        if (this.#opts.sync) await this.#fh.sync();
        this.result = { ...digests, size: this.#position, head: this.#head };
      })
      .then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    // The sha512 thread writes to the file descriptor: it must be gone before the caller closes the fd,
    // or a late write could land in whatever file reuses that number.
    this.#hasher.close().then(
      () => cb(err),
      () => cb(err),
    );
  }
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
