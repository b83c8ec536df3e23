// The content-addressed cache: keys are hashes of everything a step reads; entries are written to a
// temporary name and renamed into place, so concurrent builds of one key never see a half-written entry.
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from './ctx.ts';
import { run } from './proc.ts';

/** Hash of a directory tree: names, types, permission bits, file contents and symlink targets. */
export function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const abs = join(dir, rel);
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) h.update(`L ${r} ${readlinkSync(join(dir, r))}\n`);
      else if (st.isDirectory()) {
        h.update(`D ${r} ${mode}\n`);
        walk(r);
      } else if (st.isFile()) {
        h.update(
          `F ${r} ${mode} ${createHash('sha256')
            .update(readFileSync(join(dir, r)))
            .digest('hex')}\n`,
        );
      } else h.update(`O ${r} ${mode}\n`);
    }
  };
  walk('');
  return h.digest('hex');
}

export function hashValue(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}

export class ContentCache {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  private file(kind: string, key: string): string {
    return join(this.root, kind, `${key}.tar.zst`);
  }

  has(kind: string, key: string): boolean {
    return existsSync(this.file(kind, key));
  }

  /** Archives a tree (owners, modes, devices, xattrs) under kind/key; a racing writer of the same key is harmless. */
  async putTree(ctx: Ctx, kind: string, key: string, dir: string): Promise<void> {
    const final = this.file(kind, key);
    mkdirSync(join(this.root, kind), { recursive: true });
    const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await run(ctx, 'bash', [
        '-c',
        'set -o pipefail; tar -C "$1" --xattrs --xattrs-include="*" --numeric-owner -cpf - . | zstd -q -1 -T0 -o "$2"',
        'snapshot',
        dir,
        tmp,
      ]);
      renameSync(tmp, final);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  async restoreTree(ctx: Ctx, kind: string, key: string, dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await run(ctx, 'bash', [
      '-c',
      'set -o pipefail; zstd -q -dc "$1" | tar -C "$2" --xattrs --xattrs-include="*" --numeric-owner -xpf -',
      'restore',
      this.file(kind, key),
      dir,
    ]);
  }

  outputsDir(key: string): string {
    return join(this.root, 'outputs', key);
  }

  /** Stores finished output files (a directory per key), atomically. */
  async putOutputs(ctx: Ctx, key: string, files: string[]): Promise<void> {
    const final = this.outputsDir(key);
    if (existsSync(final)) return;
    mkdirSync(join(this.root, 'outputs'), { recursive: true });
    const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp);
    try {
      if (files.length > 0) await run(ctx, 'cp', ['-a', '--sparse=always', '--reflink=auto', ...files, tmp]);
      try {
        renameSync(tmp, final);
      } catch {
        // another build stored the same key first: theirs is as good as ours
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
