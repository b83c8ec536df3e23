// The single-file builds images install: no imports beyond node: built-ins, and they run on the
// system's Node (not the pinned one in node_modules), rendering the same files as the sources do.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAgents, TOOLS } from '../../src/agents/config/build.ts';
import { OAC_CASES } from './oac-cases.ts';
import {
  copyDir,
  node,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  tempDir,
  writeTree,
} from './support/differential.ts';

const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));

test('bundles: self-contained, and run on the system Node', async (t) => {
  const dir = await tempDir('agents-dist-');
  t.after(() => removeDir(dir));
  const files = await buildAgents(join(dir, 'dist'));
  assert.deepEqual(
    files.map((f) => f.slice(f.lastIndexOf('/') + 1)),
    TOOLS.map((x) => `${x}.mjs`),
  );
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.ok(text.startsWith('#!/usr/bin/env node\n'), f);
    const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    assert.deepEqual(
      imports.filter((i) => !i.startsWith('node:')),
      [],
      `${f} imports only node: built-ins`,
    );
  }
  if (!SYSTEM_NODE) return t.skip('no system node outside node_modules');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of TOOLS) symlinkSync(join(dir, 'dist', `${tool}.mjs`), join(bin, tool));
  const env = { PATH: `${bin}:/usr/bin:/bin`, LANG: 'C.UTF-8', OS_CONFIG_FILES_PATH: 'none.json' };

  await t.test('os-apply-config: bundle on the system node renders as the source does', async () => {
    for (const c of OAC_CASES.slice(0, 6)) {
      const seed = join(dir, 'seed');
      await removeDir(seed);
      writeTree(seed, c.tree);
      const args = c.args ?? ['-t', 't', '-o', 'out', '-m', 'md.json'];
      await copyDir(seed, join(dir, 'a'));
      await copyDir(seed, join(dir, 'b'));
      const a = await runProcess(SYSTEM_NODE, [join(bin, 'os-apply-config'), ...args], {
        cwd: join(dir, 'a'),
        env,
      });
      const b = await runProcess(node, [join(repoRoot, 'src/agents/config/os-apply-config.ts'), ...args], {
        cwd: join(dir, 'b'),
        env,
      });
      assert.equal(a.code, b.code, c.name);
      assert.deepEqual(snapshot(join(dir, 'a')), snapshot(join(dir, 'b')), c.name);
      await removeDir(join(dir, 'a'));
      await removeDir(join(dir, 'b'));
    }
  });

  await t.test('os-refresh-config and dib-run-parts bundles run phases', async () => {
    const w = join(dir, 'orc');
    writeTree(w, {
      'base/configure.d/10-a': { content: '#!/bin/sh\necho a >> "$LOG"\n', mode: 0o755 },
      'base/post-configure.d/10-b': { content: '#!/bin/sh\necho "b $X" >> "$LOG"\n', mode: 0o755 },
      'base/environment.d/x': 'export X=fromenv\n',
    });
    const r = await runProcess(join(bin, 'os-refresh-config'), ['--lockfile', 'lock'], {
      cwd: w,
      env: { ...env, OS_REFRESH_CONFIG_BASE_DIR: 'base', LOG: join(w, 'log') },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(w, 'log'), 'utf8'), 'a\nb fromenv\n');
  });

  // oslo.config substitutes $name in option values, on the command line too: $$ is a literal $.
  await t.test('os-collect-config bundle collects and runs its command', async () => {
    const w = join(dir, 'occ');
    mkdirSync(join(w, 'ld'), { recursive: true });
    writeFileSync(join(w, 'ld/one'), '{"a": 1}');
    const r = await runProcess(
      join(bin, 'os-collect-config'),
      [
        '--cachedir',
        'c',
        '--backup-cachedir',
        'b',
        '--one-time',
        '-c',
        'echo "$$OS_CONFIG_FILES" > seen',
        '--local-path',
        'ld',
        'local',
      ],
      { cwd: w, env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(w, 'seen'), 'utf8'), 'c/one.json\n');
  });
});
