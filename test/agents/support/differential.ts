// Runs the Python original and ours on identical copies of a case directory and reports every
// difference: exit code, stdout, stderr (timestamps removed) and the resulting file tree.
import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const PYTHON = '/usr/bin/python3';
export const node = process.execPath;

export function originalMissing(tool: string): string | undefined {
  if (!existsSync(PYTHON)) return 'no /usr/bin/python3';
  if (!existsSync(`/usr/bin/${tool}`)) return `no /usr/bin/${tool} (Debian python3-${tool})`;
  return undefined;
}

export type FileSpec = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string };
export type Tree = Record<string, FileSpec>;

export function writeTree(root: string, tree: Tree): void {
  mkdirSync(root, { recursive: true });
  for (const [rel, spec] of Object.entries(tree)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (rel.endsWith('/')) continue;
    if (typeof spec === 'object' && 'symlink' in spec) {
      symlinkSync(spec.symlink, path);
      continue;
    }
    const content = typeof spec === 'string' || Buffer.isBuffer(spec) ? spec : spec.content;
    const mode = typeof spec === 'object' && !Buffer.isBuffer(spec) && 'mode' in spec ? spec.mode : undefined;
    writeFileSync(path, content, mode === undefined ? {} : { mode });
  }
}

// A listing of everything under root: type, mode, owner, and content (or link target).
export function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path);
      const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/ ${meta}`);
        walk(path, r);
      } else out.push(`${r} ${meta} ${JSON.stringify(readFileSync(path, 'latin1'))}`);
    }
  };
  if (existsSync(root)) walk(root, '');
  return out;
}

export type RunResult = { code: number | null; stdout: string; stderr: string };

export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) =>
      done({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // a child that exits without reading its input is fine
    child.stdin.end(opts.input ?? '');
  });
}

// Log lines start with a local timestamp; the rest must match.
export function normaliseStderr(s: string): string {
  return s
    .replace(/^\[\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d [AP]M\] /gm, '')
    .replace(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] /gm, '');
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function copyDir(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

// Runs jobs with at most `limit` in flight.
export async function pool<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await job(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// dib-run-parts output: dates, durations and bash's own error prefix (script path, line) differ by nature.
export function normaliseRunParts(s: string): string {
  return s
    .replace(/[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d [A-Z+0-9-]+ \d{4}/g, 'DATE')
    .replace(/ +\d+\.\d{3}$/gm, ' SECONDS')
    .replace(/^\S*dib-run-parts: line \d+: /gm, 'bash: ');
}
