// Image builder benchmark: cold build vs warm rebuild (content-addressed cache), a rebuild that reuses
// only the post-install snapshot, output sizes, and the original diskimage-builder on the same small
// elements as a reference measured in the same run. Needs root and the Debian archive.
// Run: node_modules/.bin/node bench/imagebuilder/cache.bench.ts [--keep DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');
const TEST_ELEMENTS = join(REPO, 'test', 'imagebuilder', 'elements');

function timed(cmd: string, args: string[], env: Record<string, string>): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return s;
}

if (process.getuid?.() !== 0) {
  console.log('skipped: image builds need root');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'ib-bench-'));
const out = join(dir, 'out');
mkdirSync(out);
const env = { ELEMENTS_PATH: TEST_ELEMENTS, DIB_IMAGE_CACHE: join(dir, 'cache'), TMP_DIR: dir };
const dic = join(REPO, 'bin', 'disk-image-create');
const args = ['-o', join(out, 'vm'), 'debian', 'vm', 'baremetal'];
try {
  const cold = timed(dic, args, env);
  const warm = timed(dic, args, env);
  const snapshot = timed(dic, ['-t', 'qcow2,raw', ...args], env);
  const qcow2 = statSync(join(out, 'vm.qcow2')).size;
  const raw = statSync(join(out, 'vm.raw')).size;
  const rows: [string, string][] = [
    ['cold build (empty cache: debootstrap, packages, image)', `${cold.toFixed(1)} s`],
    ['warm rebuild, same inputs (outputs from cache)', `${warm.toFixed(2)} s`],
    ['rebuild with another output type (post-install snapshot)', `${snapshot.toFixed(1)} s`],
    ['ratio cold / warm (goal >= 10)', `${(cold / warm).toFixed(0)}x`],
    ['ratio cold / snapshot rebuild', `${(cold / snapshot).toFixed(1)}x`],
    ['qcow2 size (compressed, the original default)', `${(qcow2 / 2 ** 20).toFixed(0)} MiB`],
    ['raw disk size (auto-sized: du / 0.6 + 64 MiB journal)', `${(raw / 2 ** 20).toFixed(0)} MiB`],
  ];
  if (existsSync('/usr/bin/disk-image-create') && spawnSync('losetup', ['-f']).status === 0) {
    const small = ['-n', '-t', 'tar', '--image-size', '1', 'test-os', 'compat-a', 'install-types'];
    const shim = join(dir, 'shim');
    mkdirSync(shim);
    spawnSync('sh', [
      '-c',
      `printf '#!/bin/sh\\nwhile [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done\\nexec "$@"\\n' > ${shim}/sudo; chmod 755 ${shim}/sudo`,
    ]);
    const orig = timed('/usr/bin/disk-image-create', ['-o', join(out, 'orig'), ...small], {
      ...env,
      DIB_IMAGE_CACHE: join(dir, 'orig-cache'),
      PATH: `${shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    const ours = timed(dic, ['--no-cache', '-o', join(out, 'ours'), ...small], env);
    rows.push(['original dib 3.x, small test elements, tar', `${orig.toFixed(1)} s`]);
    rows.push(['ours, same elements, no cache', `${ours.toFixed(1)} s`]);
    rows.push(['ratio original / ours', `${(orig / ours).toFixed(1)}x`]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
