// Helpers for the image builder's integration tests: running the tools, and the reasons to skip.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..', '..');
export const TEST_ELEMENTS = join(REPO, 'test', 'imagebuilder', 'elements');
/** One cache shared by every test (and kept between runs): the Debian base is bootstrapped once. */
export const SHARED_CACHE =
  process.env['IMAGEBUILDER_TEST_CACHE'] || '/var/tmp/tripleo-ts-imagebuilder-cache';

export function rootSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'image builds need root (chroot, mount)';
  return undefined;
}

export function toolSkipReason(...tools: string[]): string | undefined {
  for (const t of tools) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  }
  return undefined;
}

let archive: Promise<string | undefined> | undefined;
/** The Debian archive must answer for debootstrap-based builds (unless the base is already cached). */
export function archiveSkipReason(): Promise<string | undefined> {
  archive ??= fetch('http://deb.debian.org/debian/dists/bookworm/Release', {
    method: 'HEAD',
    signal: AbortSignal.timeout(8000),
  })
    .then((r) => (r.ok ? undefined : `Debian archive answered HTTP ${r.status}`))
    .catch((e: Error) => `Debian archive unreachable: ${e.message}`);
  return archive;
}

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ib-${prefix}-`));
}

export interface ToolResult {
  code: number;
  out: string;
}

/** Runs bin/<tool> (or another command) and collects stdout+stderr. */
export function runTool(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  opts: {
    cwd?: string;
    input?: string;
    onOutput?: (text: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<ToolResult> {
  return new Promise((done) => {
    const exe = cmd.includes('/') ? cmd : join(REPO, 'bin', cmd);
    const child = spawn(exe, args, { env: { ...process.env, ...env } as NodeJS.ProcessEnv, cwd: opts.cwd });
    let out = '';
    const feed = (b: Buffer) => {
      out += b.toString();
      opts.onOutput?.(out, child);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, sig) => done({ code: code ?? (sig ? 128 : 1), out }));
  });
}

/** dib 3.x calls sudo throughout; as root a pass-through shim stands in for it. */
export function sudoShim(dir: string): string {
  const bin = join(dir, 'shim');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'sudo'),
    '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -E|-H|-n) shift;; --) shift; break;; *) break;; esac; done\nexec "$@"\n',
  );
  chmodSync(join(bin, 'sudo'), 0o755);
  return bin;
}

export function mountsMentioning(fragment: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(fragment));
}

/** Lines of `tar tv` as "mode owner size path" (size only for regular files), sorted by path. */
export function tarListing(tarFile: string): string[] {
  const r = spawnSync('tar', ['--numeric-owner', '-tvf', tarFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tar -tvf ${tarFile}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      const mode = f[0]!;
      const path = f.slice(5).join(' ');
      return `${mode} ${f[1]} ${mode.startsWith('-') ? f[2] : '-'} ${path}`;
    })
    .sort((a, b) => (a.split(' ')[3]! < b.split(' ')[3]! ? -1 : 1));
}

export function tarFile(tar: string, member: string): string {
  const r = spawnSync('tar', ['-xOf', tar, member], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${member} not in ${tar}: ${r.stderr}`);
  return r.stdout;
}

/** `ooo image build <args>` against the shared caches: the Debian base and the named image cache. */
export function buildCached(dir: string, cache: string, args: string[]): Promise<ToolResult> {
  return runTool(join(REPO, 'bin', 'ooo'), ['image', 'build', ...args], {
    ELEMENTS_PATH: '',
    DIB_IMAGE_CACHE: join(SHARED_CACHE, cache),
    DIB_DEBOOTSTRAP_CACHE: join(SHARED_CACHE, 'debootstrap'),
    TMP_DIR: join(dir, 'tmp'),
  });
}
