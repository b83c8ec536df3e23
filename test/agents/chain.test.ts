// The bootstrap chain as TripleO images run it: os-collect-config collects and runs
// os-refresh-config, whose configure phase runs os-apply-config on the collected files
// (OS_CONFIG_FILES). Once with the Python originals on PATH, once with ours: same rendered files.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  copyDir,
  node,
  originalMissing,
  PYTHON,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  tempDir,
  writeTree,
} from './support/differential.ts';

test('collect → refresh → apply renders the same files with ours as with the originals', async (t) => {
  const missing = originalMissing('os-collect-config') ?? originalMissing('os-apply-config');
  if (missing) return t.skip(missing);
  const base = await tempDir('agents-chain-');
  t.after(() => removeDir(base));
  const seed = join(base, 'seed');
  writeTree(seed, {
    'local-data/10-base': JSON.stringify({ nova: { host: 'h1', debug: false }, list: ['a', 'b'] }),
    'local-data/20-override': JSON.stringify({
      nova: { debug: true },
      deployments: [{ name: 'ignored-here', config: {} }],
    }),
    // The element layout: orc phases, and oac templates with a control file.
    'orc/configure.d/50-os-config-applier': {
      content: '#!/bin/sh\nset -eu\nexec os-apply-config -t "$ROOT/templates" -o "$ROOT/out"\n',
      mode: 0o755,
    },
    'orc/post-configure.d/99-done': {
      content: '#!/bin/sh\nos-apply-config --key nova.host --type raw > "$ROOT/out/done"\n',
      mode: 0o755,
    },
    'templates/etc/nova/nova.conf':
      '[DEFAULT]\nhost={{nova.host}}\ndebug={{nova.debug}}\n{{#list}}item={{.}}\n{{/list}}',
    'templates/etc/nova/nova.conf.oac': 'mode: 0640\n',
  });
  const run = async (name: string, original: boolean) => {
    const dir = join(base, name, 'w');
    await copyDir(seed, dir);
    const sysPath = process.env['PATH'] ?? '/usr/bin:/bin';
    const env = {
      PATH: original ? `/usr/bin:${sysPath}` : `${join(repoRoot, 'bin')}:${sysPath}`,
      LANG: 'C.UTF-8',
      HOME: dir,
      ROOT: dir,
      OS_REFRESH_CONFIG_BASE_DIR: join(dir, 'orc'),
    };
    const args = ['--one-time', '--cachedir', 'cache', '--backup-cachedir', 'backup'];
    args.push(
      '--local-path',
      'local-data',
      '-c',
      `os-refresh-config --lockfile ${join(dir, 'lock')}`,
      'local',
    );
    const [cmd, argv] = original
      ? [PYTHON, ['/usr/bin/os-collect-config', ...args]]
      : [node, [join(repoRoot, 'src/agents/config/os-collect-config.ts'), ...args]];
    const r = await runProcess(cmd, argv, { cwd: dir, env });
    return { code: r.code, stderr: r.stderr, files: snapshot(join(dir, 'out')) };
  };
  const [py, ts] = await Promise.all([run('py', true), run('ts', false)]);
  assert.equal(py.code, 0, py.stderr);
  assert.equal(ts.code, 0, ts.stderr);
  assert.deepEqual(ts.files, py.files);
  assert.ok(ts.files.some((l) => l.startsWith('etc/nova/nova.conf 640 ') && l.includes('debug=true')));
  assert.ok(ts.files.some((l) => l.startsWith('done ') && l.includes('h1')));
});
