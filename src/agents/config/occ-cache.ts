import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../platform/fs/atomic-write.ts';
import { dumpJson, type PyValue, parseJson, pyEqual } from './pyjson.ts';

// tempfile.NamedTemporaryFile(dir=..., delete=False): mode 0600, then renamed into place.
function writeAtomic(dest: string, text: string, prefix = 'tmp'): void {
  writeFileAtomic(dest, text, { tmpPrefix: prefix, fsync: false });
}

// shutil.copy: contents and permission bits.
function copyWithMode(from: string, to: string): void {
  copyFileSync(from, to);
  chmodSync(to, statSync(from).mode & 0o7777);
}

export class Cache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  // Returns whether N changed against what the last successful command saw.
  store(name: string, content: PyValue): { changed: boolean; path: string } {
    if (!existsSync(this.dir)) mkdirSync(this.dir);
    const dest = this.path(name);
    const orig = `${dest}.orig`;
    const last = `${dest}.last`;
    let changed = false;
    const text = dumpJson(content, 1);
    if (!existsSync(orig)) {
      // The original copies the temp file before renaming it; the result is the same bytes and mode.
      writeAtomic(orig, text);
      changed = true;
    }
    writeAtomic(dest, text);
    if (!changed) changed = !existsSync(last) || !pyEqual(parseJson(readFileSync(last, 'utf8')), content);
    return { changed, path: dest };
  }

  commit(name: string): void {
    const dest = this.path(name);
    if (existsSync(dest)) copyWithMode(dest, `${dest}.last`);
  }

  storeMetaList(name: string, keys: string[]): string {
    const dest = this.path(name);
    writeAtomic(dest, dumpJson(keys.map((k) => this.path(k))), 'tmp_meta_list.');
    return dest;
  }

  // After any change the backup directory is replaced by a fresh copy of the cache.
  backup(to: string): void {
    if (existsSync(to)) rmSync(to, { recursive: true, force: true });
    if (existsSync(this.dir)) cpSync(this.dir, to, { recursive: true, preserveTimestamps: true });
  }
}
