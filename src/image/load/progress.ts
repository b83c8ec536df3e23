// A pass-through that hashes what the upload sends (to check the server's checksum afterwards) and reports
// progress: a redrawn line on a terminal, a line per 10% otherwise (logs, CI).
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class UploadMeter extends Transform {
  readonly #md5 = createHash('md5');
  readonly #total: number;
  readonly #label: string;
  readonly #out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly #started = Date.now();
  #sent = 0;
  #shown = -1;

  constructor(label: string, total: number, out: NodeJS.WritableStream) {
    super({ highWaterMark: 1 << 20 });
    this.#label = label;
    this.#total = total;
    this.#out = out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#md5.update(chunk);
    this.#sent += chunk.length;
    this.#report(false);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.#report(true);
    cb();
  }

  md5(): string {
    return this.#md5.digest('hex');
  }

  #report(done: boolean): void {
    const pct = this.#total === 0 ? 100 : Math.floor((this.#sent * 100) / this.#total);
    const step = this.#out.isTTY ? 1 : 10;
    const bucket = Math.floor(pct / step) * step;
    if (!done && bucket === this.#shown) return;
    if (done && this.#shown === 100) return;
    this.#shown = bucket;
    const secs = Math.max(0.001, (Date.now() - this.#started) / 1000);
    const bar = `[${'#'.repeat(Math.floor(bucket / 5)).padEnd(20)}]`;
    const line = `${this.#label}: ${String(bucket).padStart(3)}% ${bar} ${mib(this.#sent)} of ${mib(this.#total)} MiB, ${mib(this.#sent / secs)} MiB/s`;
    this.#out.write(this.#out.isTTY ? `\r${line}${bucket === 100 ? '\n' : ''}` : `${line}\n`);
  }
}

function mib(n: number): string {
  return (n / 1024 / 1024).toFixed(1);
}
