// md5 (Glance's `checksum`) and sha512 (`os_hash_value`) of a stream of slots. Large uploads hash on two
// worker threads in parallel with the socket and the disk, small ones inline: a thread costs more to start
// than hashing a few MiB takes.
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Digests {
  md5: string;
  sha512: string;
}

export interface SlotHasher {
  /** Whether submit() also writes the bytes to the file (at `position`). */
  readonly writes: boolean;
  /** Hashes `length` bytes at `offset` of the shared buffer; calls done when the bytes may be overwritten. */
  submit(offset: number, length: number, position: number, done: () => void): void;
  digests(): Promise<Digests>;
  /** Stops the threads; resolves once none can touch the buffer or the file any more. */
  close(): Promise<void>;
}

export class InlineHasher implements SlotHasher {
  readonly writes = false;
  readonly #buffer: SharedArrayBuffer;
  readonly #md5: Hash = createHash('md5');
  readonly #sha512: Hash = createHash('sha512');

  constructor(buffer: SharedArrayBuffer) {
    this.#buffer = buffer;
  }

  submit(offset: number, length: number, _position: number, done: () => void): void {
    const view = new Uint8Array(this.#buffer, offset, length);
    this.#md5.update(view);
    this.#sha512.update(view);
    done();
  }

  async digests(): Promise<Digests> {
    return { md5: this.#md5.digest('hex'), sha512: this.#sha512.digest('hex') };
  }

  async close(): Promise<void> {}
}

interface WorkerState {
  worker: Worker;
  digest: Promise<string>;
  resolve: (hex: string) => void;
}

/**
 * md5 and sha512 on two threads; the sha512 thread also writes each slot to the file (`fd`), so the event
 * loop only copies socket data into slots.
 */
export class ThreadedHasher implements SlotHasher {
  readonly writes = true;
  readonly #workers: WorkerState[];
  /** Per slot offset: how many workers still read it, and who to tell when none does. */
  readonly #pending = new Map<number, { left: number; done: () => void }>();
  #failed: Error | undefined;

  constructor(buffer: SharedArrayBuffer, fd: number) {
    this.#workers = ['md5', 'sha512'].map((algorithm) => {
      const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), {
        workerData: { buffer, algorithm, ...(algorithm === 'sha512' ? { fd } : {}) },
      });
      let resolve: (hex: string) => void = () => {};
      let reject: (e: Error) => void = () => {};
      const digest = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      digest.catch(() => {}); // observed through digests(); a failed upload never asks
      worker.on('message', (m: { ack: number } | { digest: string } | { error: string }) => {
        if ('digest' in m) {
          resolve(m.digest);
          return;
        }
        if ('error' in m) {
          this.#failed = new Error(`writing image data: ${m.error}`);
          reject(this.#failed);
          return;
        }
        const p = this.#pending.get(m.ack);
        if (p && --p.left === 0) {
          this.#pending.delete(m.ack);
          p.done();
        }
      });
      worker.on('error', (e) => {
        this.#failed = e;
        reject(e);
        // Nobody will acknowledge the slots now: release them so the sink can end and report the error.
        for (const p of this.#pending.values()) p.done();
        this.#pending.clear();
      });
      return { worker, digest, resolve };
    });
  }

  submit(offset: number, length: number, position: number, done: () => void): void {
    if (this.#failed) throw this.#failed;
    this.#pending.set(offset, { left: this.#workers.length, done });
    for (const w of this.#workers) w.worker.postMessage({ offset, length, position });
  }

  get failure(): Error | undefined {
    return this.#failed;
  }

  async digests(): Promise<Digests> {
    for (const w of this.#workers) w.worker.postMessage({ done: true });
    const [md5, sha512] = await Promise.all(this.#workers.map((w) => w.digest));
    return { md5: md5 as string, sha512: sha512 as string };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
