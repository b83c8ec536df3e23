// dib-run-parts against the original (Debian's dib-utils /usr/bin/dib-run-parts, a bash script):
// same scripts run in the same order with the same environment, same output and exit status.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  copyDir,
  node,
  normaliseRunParts,
  pool,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  type Tree,
  tempDir,
  writeTree,
} from './support/differential.ts';

const OURS = join(repoRoot, 'src/agents/config/dib-run-parts.ts');
const ORIGINAL = '/usr/bin/dib-run-parts';

const script = (body: string) => ({ content: `#!/bin/sh\n${body}\n`, mode: 0o755 });
const rec = (name: string) =>
  script(`echo "${name} FOO=\${FOO:-} BAR=\${BAR:-} pwd=$(basename "$(pwd)")" >> "$LOG"`);

type Case = { name: string; tree: Tree; args: string[]; env?: Record<string, string> };

const ordering: Tree = Object.fromEntries(
  ['10-foo', '9-bar', 'abc', '00-a', '1a', '05_b', '100-y', '01-x', 'zz', '-3-neg'].map((n) => [
    `base/run.d/${n}`,
    rec(n),
  ]),
);

const CASES: Case[] = [
  {
    name: 'order, dots and modes',
    tree: {
      ...ordering,
      'base/run.d/10-foo.sh': rec('dotted'),
      'base/run.d/50-noexec': 'echo no',
      'base/run.d/sub/': '',
    },
    args: ['base/run.d'],
  },
  { name: '--list', tree: { ...ordering, 'base/run.d/x.sh': rec('x') }, args: ['--list', 'base/run.d'] },
  { name: '--list with a trailing slash', tree: ordering, args: ['--list', 'base/run.d/'] },
  {
    name: 'environment.d is sourced, exported values reach scripts, cwd changes carry over',
    tree: {
      ...ordering,
      'base/environment.d/10-foo': 'export FOO=foo\n',
      'base/environment.d/2-bar.sh': 'export BAR=bar; NOT_EXPORTED=1\n',
      'base/environment.d/zz-cd': 'cd "$(dirname "$LOG")/base"\n',
      'base/environment.d/bad name': 'export FOO=never\n',
    },
    args: ['base/run.d'],
  },
  {
    name: 'failing environment file stops everything',
    tree: { ...ordering, 'base/environment.d/1-x': 'false\n' },
    args: ['base/run.d'],
  },
  {
    name: 'unset variable in an environment file',
    tree: { ...ordering, 'base/environment.d/1-x': 'echo $UNSET_THING\n' },
    args: ['base/run.d'],
  },
  {
    name: 'first failure stops the run with its status',
    tree: { ...ordering, 'base/run.d/05_b': script('echo failing; exit 7') },
    args: ['base/run.d'],
  },
  {
    name: 'script killed by a signal',
    tree: {
      'base/run.d/1-a': rec('a'),
      'base/run.d/2-b': script('kill -TERM $$'),
      'base/run.d/3-c': rec('c'),
    },
    args: ['base/run.d'],
  },
  {
    name: 'symlinked scripts are followed',
    tree: {
      'base/real/10-x': rec('x'),
      'base/run.d/10-x': { symlink: '../real/10-x' },
      'base/run.d/20-dangling': { symlink: 'nowhere' },
    },
    args: ['base/run.d'],
  },
  {
    name: 'RUN_PARTS_REGEX',
    tree: { ...ordering, 'base/run.d/x.sh': rec('x.sh') },
    args: ['base/run.d'],
    env: { RUN_PARTS_REGEX: '^[a-z].*$' },
  },
  { name: 'empty directory', tree: { 'base/run.d/': '' }, args: ['base/run.d'] },
  { name: 'missing directory', tree: {}, args: ['base/nowhere'] },
  { name: '--list without a directory', tree: {}, args: ['--list'] },
  { name: 'no arguments', tree: {}, args: [] },
];

async function runBoth(c: Case) {
  const base = await tempDir('drp-diff-');
  try {
    const seed = join(base, 'seed');
    writeTree(seed, c.tree);
    const one = async (name: string, cmd: string, argv: string[]) => {
      const dir = join(base, name, 'w');
      await copyDir(seed, dir);
      const env = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        LOG: join(dir, 'log'),
        ...c.env,
      };
      const args = argv.map((a) => a.replace('$W', dir));
      const r = await runProcess(cmd, args, { cwd: dir, env });
      const log = snapshot(dir).filter((l) => l.startsWith('log '));
      return {
        code: r.code,
        stdout: r.stdout.replaceAll(dir, 'W'),
        stderr: normaliseRunParts(r.stderr.replaceAll(dir, 'W')),
        log,
      };
    };
    return await Promise.all([one('orig', ORIGINAL, c.args), one('ours', node, [OURS, ...c.args])]);
  } finally {
    await removeDir(base);
  }
}

test('dib-run-parts matches the original', async (t) => {
  if (!existsSync(ORIGINAL)) return t.skip(`no ${ORIGINAL} (Debian python3-dib-utils)`);
  const results = await pool(CASES, 4, runBoth);
  for (const [k, c] of CASES.entries()) {
    await t.test(c.name, () => {
      const [orig, ours] = results[k]!;
      assert.equal(ours.code, orig.code, `exit status\n${orig.stderr}\n---\n${ours.stderr}`);
      assert.equal(ours.stdout, orig.stdout);
      assert.deepEqual(ours.log, orig.log, 'what ran, in which order, with which environment');
      assert.equal(ours.stderr, orig.stderr);
    });
  }
});
