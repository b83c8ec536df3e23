// Streams one image into a byte range of the disk while it downloads: one pass over the body, hashed as it
// goes, raw written as it comes (all-zero blocks skipped on a zeroed target), qcow2 converted on the fly,
// nothing stored in between. The digest is checked at the end; the caller retries or clears what was written.
import { createHash } from 'node:crypto';
import type { AgentCtx } from './ctx.ts';
import { ImageChecksumError } from './download-retry.ts';
import { guarded, openImage, resolveDigest } from './image-download.ts';
import type { ImageInfo } from './image-info.ts';
import { type BlockDevice, CoalescingWriter, writeZeros } from './machine.ts';
import { isQcow2, Qcow2StreamReader } from './qcow2.ts';

/** An image that cannot go where it was asked to (wrong format, too big, no room): not worth a retry. */
export class ImageWriteError extends Error {}

/** Streams one image into [base, base+limit) of the disk; raw or qcow2 decided by its first bytes. */
export async function streamImage(
  ctx: AgentCtx,
  i: ImageInfo,
  dev: BlockDevice,
  base: number,
  limit: number,
  targetZeroed: boolean,
): Promise<{ downloaded: number; written: number; url: string }> {
  const { url, body, length } = await openImage(ctx, i);
  const { algo, value } = await resolveDigest(ctx, i, url).catch((e) => {
    (body as { destroy?: () => void }).destroy?.();
    throw e;
  });
  const hash = createHash(algo);
  const out = new CoalescingWriter(dev, base, limit);
  let downloaded = 0;
  let written = 0;
  let qcow: Qcow2StreamReader | undefined;
  let format: 'raw' | 'qcow2' | undefined;
  for await (const chunk of leadingBlock(guarded(url, body, length))) {
    ctx.signal.throwIfAborted();
    hash.update(chunk);
    if (!format) {
      format = isQcow2(chunk) ? 'qcow2' : 'raw';
      if (i.disk_format && i.disk_format !== format)
        throw new ImageWriteError(
          `image ${i.id} is declared ${i.disk_format} but its content is ${format}; refusing to write it`,
        );
      if (format === 'qcow2') qcow = new Qcow2StreamReader(out);
    }
    if (qcow) await qcow.push(chunk);
    else {
      // raw: all-zero 1 MiB blocks need no write when the target already reads as zeros
      if (!(targetZeroed && isZero(chunk))) await out.write(downloaded, chunk);
      written += chunk.length;
    }
    downloaded += chunk.length;
  }
  const got = hash.digest('hex');
  if (got !== value)
    throw new ImageChecksumError(
      `Image failed to verify against checksum. location: ${url}; image ID: ${i.id}; ` +
        `image checksum: ${value}; verification checksum: ${got} (${algo})`,
      got,
      length !== undefined,
    );
  if (qcow) {
    const h = await qcow.end();
    if (h.virtualSize > limit)
      throw new ImageWriteError(
        `image ${i.id} is ${h.virtualSize} bytes, larger than its target (${limit} bytes)`,
      );
    await out.flush();
    // what the image does not map must read as zeros on the disk
    if (!targetZeroed) for (const [a, b] of qcow.unwrittenRanges()) await writeZeros(dev, base + a, base + b);
    written = qcow.bytesWritten;
  }
  await out.flush();
  return { downloaded, written, url };
}

/** Re-chunks a body so the first chunk holds at least 4 KiB (the format is sniffed from it). */
async function* leadingBlock(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const lead: Uint8Array[] = [];
  let n = 0;
  let sent = false;
  for await (const c of body) {
    if (sent) {
      yield c;
      continue;
    }
    lead.push(c);
    n += c.length;
    if (n >= 4096) {
      sent = true;
      yield Buffer.concat(lead);
    }
  }
  if (!sent && n > 0) yield Buffer.concat(lead);
}

function isZero(b: Uint8Array): boolean {
  for (let k = 0; k < b.length; k++) if (b[k] !== 0) return false;
  return true;
}
