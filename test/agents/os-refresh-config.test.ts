// os-refresh-config against the Python original (Debian's python3-os-refresh-config), each with its
// own dib-run-parts on PATH: phase order, skipped phases, error.d, the lock, flags, the timeout.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  copyDir,
  node,
  normaliseRunParts,
  normaliseStderr,
  originalMissing,
  PYTHON,
  pool,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  type Tree,
  tempDir,
  writeTree,
} from './support/differential.ts';

const OURS = join(repoRoot, 'src/agents/config/os-refresh-config.ts');

const script = (body: string) => ({ content: `#!/bin/sh\n${body}\n`, mode: 0o755 });
const rec = (name: string) => script(`echo "${name} PHASE_VAR=\${PHASE_VAR:-}" >> "$LOG"`);

const allPhases: Tree = {
  'base/pre-configure.d/10-quiesce': rec('pre-configure/10-quiesce'),
  'base/configure.d/20-b': rec('configure/20-b'),
  'base/configure.d/9-a': rec('configure/9-a'),
  'base/configure.d/50-x.sh': rec('configure/dotted'),
  'base/post-configure.d/99-refresh-completed': rec('post-configure/99'),
  'base/migration.d/10-migrate': rec('migration/10'),
  'base/environment.d/10-vars': 'export PHASE_VAR=from-env\n',
};

type Case = { name: string; tree: Tree; args?: string[]; env?: Record<string, string> };

const CASES: Case[] = [
  { name: 'all phases in order', tree: allPhases },
  {
    name: 'missing phases are skipped, with DEBUG logging',
    tree: { 'base/configure.d/1-a': rec('a') },
    args: ['--log-level', 'DEBUG'],
  },
  { name: 'ERROR log level hides progress', tree: allPhases, args: ['--log-level', 'ERROR'] },
  { name: 'WARN log level', tree: allPhases, args: ['--log-level', 'WARN'] },
  {
    name: 'failure runs error.d and stops later phases',
    tree: {
      ...allPhases,
      'base/configure.d/15-fail': script('exit 4'),
      'base/error.d/10-report': rec('error/10'),
    },
  },
  {
    name: 'failure without error.d',
    tree: { ...allPhases, 'base/post-configure.d/50-fail': script('exit 2') },
  },
  {
    name: 'failing error handler is ignored',
    tree: {
      ...allPhases,
      'base/pre-configure.d/1-fail': script('exit 9'),
      'base/error.d/1-also-fails': script('exit 5'),
    },
  },
  { name: 'empty base directory', tree: { 'base/': '' } },
  { name: 'missing base directory', tree: {}, env: { OS_REFRESH_CONFIG_BASE_DIR: 'nowhere' } },
  { name: '--print-base', tree: {}, args: ['--print-base'] },
  { name: '--print-phases', tree: {}, args: ['--print-phases'] },
  { name: 'invalid log level', tree: {}, args: ['--log-level', 'LOUD'] },
  { name: 'invalid timeout', tree: {}, args: ['--timeout', 'soon'] },
  { name: 'lock file in a missing directory', tree: allPhases, args: ['--lockfile', 'no/such/dir/lock'] },
];

async function runBoth(c: Case, hold?: (dir: string) => Promise<() => Promise<void>>) {
  const base = await tempDir('orc-diff-');
  try {
    const seed = join(base, 'seed');
    writeTree(seed, c.tree);
    const one = async (name: string, cmd: string, argv: string[], path: string) => {
      const dir = join(base, name, 'w');
      await copyDir(seed, dir);
      const env = {
        PATH: path,
        LANG: 'C.UTF-8',
        LOG: join(dir, 'log'),
        OS_REFRESH_CONFIG_BASE_DIR: 'base',
        ...c.env,
      };
      const release = hold ? await hold(dir) : undefined;
      const r = await runProcess(cmd, [...argv, '--lockfile', 'lock', ...(c.args ?? [])], { cwd: dir, env });
      await release?.();
      const files = snapshot(dir).filter((l) => l.startsWith('log ') || l.startsWith('lock '));
      return { code: r.code, stdout: r.stdout, stderr: normaliseRunParts(normaliseStderr(r.stderr)), files };
    };
    const sysPath = process.env['PATH'] ?? '/usr/bin:/bin';
    return await Promise.all([
      one('orig', PYTHON, ['/usr/bin/os-refresh-config'], `/usr/bin:${sysPath}`),
      one('ours', node, [OURS], `${join(repoRoot, 'bin')}:${sysPath}`),
    ]);
  } finally {
    await removeDir(base);
  }
}

function assertSame([orig, ours]: Awaited<ReturnType<typeof runBoth>>): void {
  assert.equal(ours.code, orig.code, `exit status\n${orig.stderr}\n---\n${ours.stderr}`);
  assert.equal(ours.stdout, orig.stdout);
  assert.deepEqual(ours.files, orig.files, 'what ran, in order; the lock file afterwards');
  if (orig.stderr.includes('Traceback') || orig.code === 2) assert.notEqual(ours.stderr, '');
  else assert.equal(ours.stderr, orig.stderr);
}

test('os-refresh-config matches the Python original', async (t) => {
  const missing = originalMissing('os-refresh-config');
  if (missing) return t.skip(missing);
  const results = await pool(CASES, 3, (c) => runBoth(c));
  for (const [k, c] of CASES.entries()) await t.test(c.name, () => assertSame(results[k]!));
});

test('a lock held by another process: exit 11 and nothing runs', async (t) => {
  const missing =
    originalMissing('os-refresh-config') ?? (existsSync('/usr/bin/flock') ? undefined : 'no flock(1)');
  if (missing) return t.skip(missing);
  // flock(1) holds the lock while its shell waits on stdin; closing stdin ends both.
  const hold = async (dir: string) => {
    const holder = spawn('flock', ['--exclusive', join(dir, 'lock'), 'sh', '-c', 'echo held; read x'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await once(holder.stdout!, 'data');
    return async () => {
      holder.stdin!.end();
      await once(holder, 'close');
    };
  };
  const [orig, ours] = await runBoth({ name: 'locked', tree: allPhases }, hold);
  assert.equal(orig.code, 11);
  assertSame([orig, ours]);
});

test('--timeout kills the running phase and aborts', async (t) => {
  const missing = originalMissing('os-refresh-config');
  if (missing) return t.skip(missing);
  // The hang comes first, so what ran does not depend on how fast either side starts.
  const hang = script('exec sleep 60');
  const tree = { ...allPhases, 'base/pre-configure.d/00-hang': hang, 'base/error.d/1-e': rec('error') };
  const [orig, ours] = await runBoth({ name: 'timeout', tree, args: ['--timeout', '3'] });
  assert.equal(orig.code, 1);
  assert.equal(ours.code, 1);
  assert.deepEqual(ours.files, orig.files);
  assert.match(ours.stderr, /Timeout reached: 3s\. Sending SIGKILL to all children/);
  // dib-run-parts dies with the rest of the tree; the original reports the same signal.
  const died = (s: string) =>
    /during pre-configure phase\. \[Command .* (died with|returned)[^\]]*\]/.exec(s)?.[0];
  assert.equal(died(ours.stderr), died(orig.stderr));
});
