// The filesystem store under <stateDir>/images: <id> is an image's data, staging/<id> data staged for the
// import flow. Bytes land in a temporary file that is renamed into place only once complete and hashed, so
// a reader never sees a partial image and a failed upload leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../../platform/context.ts';
import { writeFileAtomic } from '../../platform/fs/atomic-write.ts';
import type { DataFacts } from './images.ts';
import { DataSink, SLOT_BYTES } from './sink.ts';

const TMP_PREFIX = '.tmp-';
/** Below this (when the length is known) hashing inline beats starting two threads. */
const INLINE_HASH_BYTES = 8 * SLOT_BYTES;

export interface ReceiveOptions {
  limit: number;
  onLimit: (received: number) => Error;
  /** The Content-Length, when the client sent one. */
  expected: number | undefined;
}

/** What an upload computed on the way: virtual_size is left to the caller, who knows the disk format. */
export interface Received extends Omit<DataFacts, 'virtual_size'> {
  /** The first bytes, hex: enough for a format's header (model/qcow2.ts). */
  head: string;
}

export class DataStore {
  readonly dir: string;
  readonly #sync: boolean;

  constructor(dir: string, opts: { sync?: boolean } = {}) {
    this.dir = dir;
    this.#sync = opts.sync ?? true;
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  stagedPath(id: string): string {
    return join(this.dir, 'staging', id);
  }

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'staging'), { recursive: true, mode: 0o700 });
  }

  /** Streams `source` into the store (or staging); resolves with the facts once the data is in place. */
  async receive(
    ctx: Ctx,
    id: string,
    source: Readable,
    opts: ReceiveOptions,
    staged = false,
  ): Promise<Received> {
    const dest = staged ? this.stagedPath(id) : this.path(id);
    const tmp = join(this.dir, `${TMP_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o600);
    let closed = false;
    const sink = new DataSink(fh, {
      limit: opts.limit,
      onLimit: opts.onLimit,
      threaded: opts.expected === undefined || opts.expected > INLINE_HASH_BYTES,
      sync: this.#sync,
    });
    try {
      await pipeline(source, sink, { signal: ctx.signal });
      const r = sink.result!;
      // Node's parser already refuses a body shorter than its Content-Length; this is the store's own check.
      if (opts.expected !== undefined && r.size !== opts.expected)
        throw new Error(`received ${r.size} bytes, the client announced ${opts.expected}`);
      await fh.close();
      closed = true;
      const facts: Received = {
        size: r.size,
        checksum: r.md5,
        os_hash_algo: 'sha512',
        os_hash_value: r.sha512,
        head: Buffer.from(r.head).toString('hex'),
      };
      // The facts sit beside the staged data; a crash must not leave a truncated one for the import.
      if (staged) writeFileAtomic(`${dest}.json`, JSON.stringify(facts), { mode: 0o600, fsync: this.#sync });
      await rename(tmp, dest);
      if (this.#sync) await syncDir(this.dir);
      return facts;
    } catch (e) {
      // Its threads must have stopped writing before the descriptor is closed (see DataSink._destroy).
      if (!sink.closed) await new Promise((r) => sink.once('close', r));
      if (!closed) await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** The facts recorded when data was staged, or undefined if nothing is staged. */
  async stagedFacts(id: string): Promise<Received | undefined> {
    try {
      await stat(this.stagedPath(id));
      return JSON.parse(await readFile(`${this.stagedPath(id)}.json`, 'utf8')) as Received;
    } catch {
      return undefined;
    }
  }

  /** Moves staged data into the store (the import step of glance-direct). */
  async promote(id: string): Promise<void> {
    await rename(this.stagedPath(id), this.path(id));
    await rm(`${this.stagedPath(id)}.json`, { force: true });
    if (this.#sync) await syncDir(this.dir);
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
    await this.unstage(id);
  }

  async unstage(id: string): Promise<void> {
    await rm(this.stagedPath(id), { force: true });
    await rm(`${this.stagedPath(id)}.json`, { force: true });
  }

  read(id: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(id), {
      highWaterMark: SLOT_BYTES,
      start: range?.start,
      end: range?.end,
    });
  }

  async size(id: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(id))).size;
    } catch {
      return undefined;
    }
  }

  /** Removes temporary files (uploads a crash cut short) and data of images that no longer exist. */
  async sweep(keep: (id: string, staged: boolean) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const [dir, names, staged] of [
      [this.dir, await readdir(this.dir), false],
      [join(this.dir, 'staging'), await readdir(join(this.dir, 'staging')), true],
    ] as const) {
      for (const name of names) {
        if (name === 'staging' && !staged) continue;
        const id = name.replace(/\.json$/, '');
        if (name.startsWith(TMP_PREFIX) || !keep(id, staged)) {
          await rm(join(dir, name), { force: true, recursive: true });
          removed.push(name);
        }
      }
    }
    return removed;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
