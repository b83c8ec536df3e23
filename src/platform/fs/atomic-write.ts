// Atomic file replacement: readers see the old file or the new one, never a half-written one, and a crash
// leaves no partial file under the real name. The bytes go to a fresh temporary file in the same directory
// (so the rename stays on one filesystem), are flushed, get their final mode and owner, then the rename
// swaps them in. Node builtins only: the in-instance agents bundle this for Node 18.
import { randomInt } from 'node:crypto';
import { chmodSync, chownSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** The file's mode, applied exactly (not through the umask). The temporary file is 0600 until then. */
  mode?: number;
  /** uid/gid to give the file; -1 leaves one unchanged. */
  owner?: { uid: number; gid: number };
  /**
   * The temporary file's name before its random part; `.<name>.tmp-` by default. The agents use "tmp",
   * as Python's tempfile does, so their directories look as the originals leave them after a crash.
   */
  tmpPrefix?: string;
  /** Flush the data to disk before the rename (default true). */
  fsync?: boolean;
}

// Python's tempfile alphabet.
const TMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

/** Writes data to path atomically. */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  replaceFileAtomic(
    path,
    (fd) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    },
    opts,
  );
}

/**
 * Replaces path atomically with what `fill` writes: given the open descriptor of the temporary file and
 * its path (for tools that write by name, like copyFileSync). Nothing is left behind if fill throws.
 */
export function replaceFileAtomic(
  path: string,
  fill: (fd: number, tmpPath: string) => void,
  opts: AtomicWriteOptions = {},
): void {
  const dir = dirname(path);
  const prefix = opts.tmpPrefix ?? `.${basename(path)}.tmp-`;
  for (;;) {
    let tmp = join(dir, prefix);
    for (let k = 0; k < 8; k++) tmp += TMP_CHARS[randomInt(TMP_CHARS.length)];
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      try {
        fill(fd, tmp);
        if (opts.fsync ?? true) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (opts.mode !== undefined) chmodSync(tmp, opts.mode & 0o7777);
      if (opts.owner && (opts.owner.uid !== -1 || opts.owner.gid !== -1))
        chownSync(tmp, opts.owner.uid, opts.owner.gid);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return;
  }
}
