// The template tree: walking it in the original's order, rendering each file, reading .oac control
// files, and writing results atomically (temp file in the same directory, chmod, chown, rename).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  opendirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, decodeUtf8, encodeUtf8, readUtf8 } from './metadata.ts';
import { render } from './mustache.ts';
import { bytesRepr, dumpJson, type PyDict, type PyValue, pyStr, strRepr, truthy } from './pyjson.ts';
import { osErrorText } from './pylog.ts';
import { pyJoin } from './pypath.ts';
import { loadPyYaml } from './pyyaml.ts';

export type OacFile = { body: string; mode?: number; owner?: number; group?: number; allowEmpty: boolean };

// os.walk order: each directory's entries in readdir order (not sorted), files before descending.
// Symlinks to directories count as directories but are not followed.
export function templatePaths(root: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    let handle: ReturnType<typeof opendirSync>;
    try {
      handle = opendirSync(dir);
    } catch {
      return;
    }
    const dirs: string[] = [];
    const files: string[] = [];
    try {
      for (let e = handle.readSync(); e; e = handle.readSync()) {
        let isDir = e.isDirectory();
        if (!isDir && !e.isFile()) {
          try {
            isDir = statSync(join(dir, e.name)).isDirectory();
          } catch {
            isDir = false;
          }
        }
        (isDir ? (e.isSymbolicLink() ? null : dirs) : files)?.push(e.name);
      }
    } finally {
      handle.closeSync();
    }
    const rel = dir.startsWith(root) ? dir.slice(root.length) : dir;
    for (const f of files) if (!f.endsWith('.oac')) out.push([pyJoin(dir, f), pyJoin(rel, f)]);
    for (const d of dirs) walk(pyJoin(dir, d));
  };
  walk(root);
  return out;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// An executable template runs with the merged config as JSON on stdin; its stdout is the body.
function renderExecutable(path: string, config: PyDict): string {
  const r = spawnSync(path, [], { input: dumpJson(config), maxBuffer: 1 << 30 });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  if (r.status !== 0) {
    const both = Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]);
    throw new ConfigError(`config script failed: ${path}\n\nwith output:\n\n${bytesRepr(both)}`);
  }
  return decodeUtf8(r.stdout);
}

export function renderTemplate(path: string, config: PyDict, logError: (m: string) => void): string {
  if (isExecutable(path)) return renderExecutable(path, config);
  try {
    return render(readUtf8(path), config);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    logError(err.code ? osErrorText(err, path) : err.message);
    throw new ConfigError(`could not render moustache template ${path}`);
  }
}

// /etc/passwd and /etc/group lookups (what pwd/grp consult on an image without NSS modules).
function lookupDb(file: string, v: PyValue, what: string, db: string): number {
  if (typeof v !== 'bigint' && typeof v !== 'string')
    throw new ConfigError(`${what} '${pyStr(v)}' must be a string or int`);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {}
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    if (typeof v === 'string' ? f[0] === v : f[2] === v.toString()) return Number(f[2]);
  }
  throw new ConfigError(`${what} '${pyStr(v)}' not found in ${db} database`);
}

export function controlFile(path: string, body: string): OacFile {
  const file: OacFile = { body, allowEmpty: true };
  const ctrl = `${path}.oac`;
  let isFile = false;
  try {
    isFile = statSync(ctrl).isFile();
  } catch {}
  if (!isFile) return file;
  // yaml.safe_load(body) or {}: any falsy document counts as no settings.
  const parsed = loadPyYaml(readUtf8(ctrl));
  const d = truthy(parsed) ? parsed : new Map();
  if (!(d instanceof Map)) throw new ConfigError(`header is not a dict: ${path}`);
  for (const [k, v] of d) {
    if (k === 'mode') {
      if (typeof v !== 'bigint') throw new ConfigError(`mode '${pyStr(v)}' is not numeric`);
      if (v < 0n || v > 0o777n)
        throw new ConfigError(`mode '${v < 0n ? '-' : ''}0o${(v < 0n ? -v : v).toString(8)}' out of range`);
      file.mode = Number(v);
    } else if (k === 'owner') file.owner = lookupDb('/etc/passwd', v, 'owner', 'passwd');
    else if (k === 'group') file.group = lookupDb('/etc/group', v, 'group', 'group');
    else if (k === 'allow_empty') {
      if (typeof v !== 'boolean') throw new ConfigError(`allow_empty requires Boolean, got: '${pyStr(v)}'`);
      file.allowEmpty = v;
    } else throw new ConfigError(`unrecognised file control key '${k}'`);
  }
  return file;
}

// Errors about one template carry its path, as the original appends it to the exception's args.
export class TemplateError extends ConfigError {
  constructor(cause: ConfigError, path: string) {
    super(`(${strRepr(cause.message)}, ${strRepr(path)})`);
  }
}

// Render every template before writing any: one failure means nothing is written.
export function buildTree(root: string, config: PyDict, logError: (m: string) => void): Map<string, OacFile> {
  const tree = new Map<string, OacFile>();
  for (const [inFile, outFile] of templatePaths(root)) {
    try {
      tree.set(outFile, controlFile(inFile, renderTemplate(inFile, config, logError)));
    } catch (e) {
      if (e instanceof ConfigError) throw new TemplateError(e, inFile);
      throw e;
    }
  }
  return tree;
}

const TMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

export function writeFile(path: string, obj: OacFile, log: (m: string) => void): void {
  if (!obj.allowEmpty && obj.body.length === 0) {
    if (existsSync(path)) {
      log(`deleting ${path}`);
      unlinkSync(path);
    } else log(`not creating empty ${path}`);
    return;
  }
  log(`writing ${path}`);
  let mode = 0o644;
  let uid = -1;
  let gid = -1;
  if (existsSync(path)) {
    const st = statSync(path);
    [mode, uid, gid] = [st.mode, st.uid, st.gid];
  }
  mode = obj.mode || mode;
  if (obj.owner !== undefined) uid = obj.owner;
  if (obj.group !== undefined) gid = obj.group;
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  for (;;) {
    let name = 'tmp';
    for (let k = 0; k < 8; k++) name += TMP_CHARS[randomInt(TMP_CHARS.length)];
    const tmp = join(dir, name);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    // Encoding after the temporary file exists: an unencodable body leaves it empty, as the original does.
    try {
      writeSync(fd, encodeUtf8(obj.body));
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode & 0o7777);
    chownSync(tmp, uid, gid);
    renameSync(tmp, path);
    return;
  }
}
