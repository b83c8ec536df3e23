// The one byte range a download serves (RFC 9110 §14): Glance answers a single range. Pure.
import { AppError } from '../../platform/errors/catalogue.ts';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Parses a Range header against the data size: undefined for "send everything" (no header, or one we do
 * not understand, which RFC 9110 says to ignore), the range to send, or a 416 error.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined; // several ranges or another unit: serve the whole image
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return undefined; // invalid, so ignored
  }
  if (start >= size || size === 0) throw unsatisfiable(size);
  return { start, end };
}

export function unsatisfiable(size: number): AppError {
  return new AppError('RANGE_NOT_SATISFIABLE', 'Requested range not satisfiable', {
    headers: { 'content-range': `bytes */${size}` },
  });
}
