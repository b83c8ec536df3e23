// Runs os-apply-config twice on identical copies of a case directory: the Python original and ours.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  copyDir,
  node,
  normaliseStderr,
  PYTHON,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  type Tree,
  tempDir,
  writeTree,
} from './differential.ts';

const OURS = join(repoRoot, 'src/agents/config/os-apply-config.ts');
const DEFAULT_ARGS = ['-t', 't', '-o', 'out', '-m', 'md.json'];

export type Outcome = { code: number | null; stdout: string; stderr: string; files: string[] };

export async function runOacBoth(
  tree: Tree,
  argv?: string[],
  extraEnv?: Record<string, string>,
  templatesFrom?: string,
): Promise<{ py: Outcome; ts: Outcome }> {
  const base = await tempDir('oac-diff-');
  try {
    const seed = join(base, 'seed');
    writeTree(seed, tree);
    if (templatesFrom) await copyDir(templatesFrom, join(seed, 't'));
    const args = argv ?? DEFAULT_ARGS;
    // Nothing from the host may leak in: no os_config_files.json, no heat-cfntools fallbacks.
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      OS_CONFIG_FILES_PATH: 'no-such-os-config-files.json',
      ...extraEnv,
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

// A write that fails half-way leaves tempfile's empty tmpXXXXXXXX behind, under a random name.
const tempNames = (files: string[]) =>
  files.map((f) => f.replace(/^((?:.*\/)?)tmp[a-z0-9_]{8} /, '$1tmp******** '));

export function assertSame(py: Outcome, ts: Outcome): void {
  assert.equal(ts.code, py.code, `exit code\npython stderr: ${py.stderr}\nours stderr: ${ts.stderr}`);
  assert.equal(ts.stdout, py.stdout, 'stdout');
  assert.deepEqual(tempNames(ts.files), tempNames(py.files), 'resulting files');
  if (py.stderr.includes('Traceback') || py.code === 2) {
    // The original crashed (or argparse refused): ours must fail the same way, wording aside.
    assert.notEqual(ts.stderr, '', 'ours explains the failure');
  } else assert.equal(ts.stderr, py.stderr, 'log lines');
}
