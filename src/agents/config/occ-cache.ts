// The cache in cachedir: N.json (latest, every poll), N.json.orig (first ever), N.json.last (what
// the last successful command saw), os_config_files.json (the outputs of the latest changed poll).
import { randomInt } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { dumpJson, type PyValue, parseJson, pyEqual } from './pyjson.ts';

const TMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

// tempfile.NamedTemporaryFile(dir=..., delete=False): mode 0600, then renamed into place.
function writeAtomic(dir: string, dest: string, text: string, prefix = 'tmp'): void {
  for (;;) {
    let name = prefix;
    for (let k = 0; k < 8; k++) name += TMP_CHARS[randomInt(TMP_CHARS.length)];
    const tmp = join(dir, name);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      writeSync(fd, Buffer.from(text, 'utf8'));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
    return;
  }
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
      writeAtomic(this.dir, orig, text);
      changed = true;
    }
    writeAtomic(this.dir, dest, text);
    if (!changed) changed = !existsSync(last) || !pyEqual(parseJson(readFileSync(last, 'utf8')), content);
    return { changed, path: dest };
  }

  commit(name: string): void {
    const dest = this.path(name);
    if (existsSync(dest)) copyWithMode(dest, `${dest}.last`);
  }

  storeMetaList(name: string, keys: string[]): string {
    const dest = this.path(name);
    writeAtomic(dirname(dest), dest, dumpJson(keys.map((k) => this.path(k))), 'tmp_meta_list.');
    return dest;
  }

  // After any change the backup directory is replaced by a fresh copy of the cache.
  backup(to: string): void {
    if (existsSync(to)) rmSync(to, { recursive: true, force: true });
    if (existsSync(this.dir)) cpSync(this.dir, to, { recursive: true, preserveTimestamps: true });
  }
}
