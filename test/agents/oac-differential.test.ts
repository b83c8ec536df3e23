// os-apply-config against the Python original (Debian's python3-os-apply-config) over the corpus in
// oac-cases.ts: same exit code, stdout, log lines and resulting files (content, mode, owner).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { OAC_CASES, type OacCase } from './oac-cases.ts';
import {
  copyDir,
  node,
  normaliseStderr,
  originalMissing,
  PYTHON,
  pool,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  tempDir,
  writeTree,
} from './support/differential.ts';

const OURS = join(repoRoot, 'src/agents/config/os-apply-config.ts');
const DEFAULT_ARGS = ['-t', 't', '-o', 'out', '-m', 'md.json'];

export type Outcome = { code: number | null; stdout: string; stderr: string; files: string[] };

async function runBoth(c: OacCase): Promise<{ py: Outcome; ts: Outcome }> {
  const base = await tempDir('oac-diff-');
  try {
    const seed = join(base, 'seed');
    writeTree(seed, c.tree);
    const args = c.args ?? DEFAULT_ARGS;
    // Nothing from the host may leak in: no os_config_files.json, no heat-cfntools fallbacks.
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      OS_CONFIG_FILES_PATH: 'no-such-os-config-files.json',
      ...c.env,
    };
    const one = async (dir: string, cmd: string, argv: string[]): Promise<Outcome> => {
      await copyDir(seed, dir);
      const r = await runProcess(cmd, argv, { cwd: dir, env });
      return { ...r, stderr: normaliseStderr(r.stderr), files: snapshot(dir) };
    };
    const [py, ts] = await Promise.all([
      one(join(base, 'py'), PYTHON, ['/usr/bin/os-apply-config', ...args]),
      one(join(base, 'ts'), node, [OURS, ...args]),
    ]);
    return { py, ts };
  } finally {
    await removeDir(base);
  }
}

export function assertSame(py: Outcome, ts: Outcome): void {
  assert.equal(ts.code, py.code, `exit code\npython stderr: ${py.stderr}\nours stderr: ${ts.stderr}`);
  assert.equal(ts.stdout, py.stdout, 'stdout');
  assert.deepEqual(ts.files, py.files, 'resulting files');
  if (py.stderr.includes('Traceback') || py.code === 2) {
    // The original crashed (or argparse refused): ours must fail the same way, wording aside.
    assert.notEqual(ts.stderr, '', 'ours explains the failure');
  } else assert.equal(ts.stderr, py.stderr, 'log lines');
}

test('os-apply-config matches the Python original', async (t) => {
  const missing = originalMissing('os-apply-config');
  if (missing) return t.skip(missing);
  const results = await pool(OAC_CASES, 4, runBoth);
  for (const [k, c] of OAC_CASES.entries()) {
    await t.test(c.name, () => assertSame(results[k]!.py, results[k]!.ts));
  }
});
