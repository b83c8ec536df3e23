// os-collect-config on its own against live services: continuous polling (one command run per
// change), re-exec when the config file changes, several cfn paths each signed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { node, removeDir, repoRoot, runProcess, tempDir } from './support/differential.ts';
import { type CfnState, cfnServer, type RequestState, requestServer } from './support/metadata-servers.ts';

const OURS = join(repoRoot, 'src/agents/config/os-collect-config.ts');

// Polling continuously: one command run per change, retry after a failure, nothing when unchanged.
test('os-collect-config keeps polling and runs the command once per change', async (t) => {
  const state: RequestState = {
    body: JSON.stringify({ v: 1 }),
    lastModified: new Date('2026-01-01T00:00:00Z'),
  };
  const req = await requestServer(t, state);
  const dir = await tempDir('occ-loop-');
  t.after(() => removeDir(dir));
  writeFileSync(join(dir, 'fail'), '');
  const cmd = `printf '%s\\n' "$(cat cache/request.json | tr -d ' \\n')" >> runs.log; test ! -e fail`;
  const child = spawn(
    node,
    [
      OURS,
      '--cachedir',
      'cache',
      '--backup-cachedir',
      'backup',
      '--polling-interval',
      '0.2',
      '--min-polling-interval',
      '0.05',
      '-c',
      cmd,
      '--request-metadata-url',
      `${req.url}/md`,
      'request',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const lines = () =>
    existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n') : [];
  // Waits for a condition the program brings about; the deadline only bounds a broken run.
  const until = async (what: string, cond: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!cond()) {
      assert.ok(Date.now() < deadline, `timed out waiting for: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('first run (failing)', () => lines().length >= 1);
  await until('a retry after the failure', () => lines().length >= 2);
  rmSync(join(dir, 'fail'));
  await until('a successful run', () => existsSync(join(dir, 'cache/request.json.last')));
  const settled = lines().length;
  // Several polls happen (the server counts them) without another run.
  const polls = req.requests.length;
  await until('more polls', () => req.requests.length >= polls + 6);
  assert.equal(lines().length, settled, 'unchanged data does not run the command');
  state.body = JSON.stringify({ v: 2 });
  await until('a run for the change', () => lines().length === settled + 1);
  assert.equal(lines().at(-1), '{"v":2}');
  const again = req.requests.length;
  await until('more polls after the change', () => req.requests.length >= again + 6);
  assert.equal(lines().length, settled + 1, 'exactly one run per change');
});

// Several cfn paths, with sub-keys: each request signed on its own and the results merged.
test('cfn collector: several paths and sub-keys, each request signed', async (t) => {
  const state: CfnState = {
    keyId: 'K',
    secret: 'S',
    stack: 'st',
    resources: {
      a: { one: 1, deep: { x: { y: 'z' } } },
      b: { two: 2, deployments: [{ name: 'd', config: { c: 1 } }] },
    },
  };
  const cfn = await cfnServer(t, state);
  const dir = await tempDir('occ-cfn-');
  t.after(() => removeDir(dir));
  const args = ['--cfn-metadata-url', `${cfn.url}/v1/`, '--cfn-stack-name', 'st', '--cfn-access-key-id', 'K'];
  args.push('--cfn-secret-access-key', 'S', '--cfn-path', 'a.Metadata.deep', '--cfn-path', 'b.Metadata');
  const r = await runProcess(node, [OURS, '--cachedir', 'c', '--print', ...args, 'cfn'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    cfn: { x: { y: 'z' }, two: 2, deployments: [{ name: 'd', config: { c: 1 } }] },
    d: { c: 1 },
  });
  assert.equal(cfn.requests.length, 2);
  const bad = await runProcess(
    node,
    [
      OURS,
      '--cachedir',
      'c',
      '--print',
      ...args.slice(0, 6),
      '--cfn-secret-access-key',
      'wrong',
      '--cfn-path',
      'a.Metadata',
      'cfn',
    ],
    { cwd: dir },
  );
  assert.equal(bad.stdout, '{}\n');
  assert.match(bad.stderr, /403 Client Error.*\nSource \[cfn\] Unavailable\./);
});

// A command that rewrites the config file makes the poller start over with the new configuration.
test('os-collect-config re-executes when its config file changes', async (t) => {
  const a = await requestServer(t, {
    body: JSON.stringify({ from: 'a' }),
    lastModified: new Date('2026-01-01T00:00:00Z'),
  });
  const b = await requestServer(t, {
    body: JSON.stringify({ from: 'b' }),
    lastModified: new Date('2026-01-01T00:00:00Z'),
  });
  const dir = await tempDir('occ-reexec-');
  t.after(() => removeDir(dir));
  const conf = (url: string) =>
    `[DEFAULT]\ncachedir = cache\nbackup_cachedir = backup\ncollectors = request\npolling_interval = 0.2\nmin_polling_interval = 0.05\ncommand = sh ./cmd\n[request]\nmetadata_url = ${url}/md\n`;
  writeFileSync(join(dir, 'occ.conf'), conf(a.url));
  writeFileSync(join(dir, 'next.conf'), conf(b.url));
  // The command records what it saw and switches the config to server b (once).
  writeFileSync(
    join(dir, 'cmd'),
    'tr -d " \\n" < cache/request.json >> runs.log; echo >> runs.log; [ -e next.conf ] && mv next.conf occ.conf; true\n',
  );
  const child = spawn(node, [OURS, '--config-file', 'occ.conf'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  const log = () => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8') : '');
  while (!log().includes('{"from":"b"}\n')) {
    assert.ok(Date.now() < deadline, `server b never polled; runs: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(log(), '{"from":"a"}\n{"from":"b"}\n');
  assert.ok(b.requests.length >= 2, 'HEAD and GET to the new source');
  assert.equal(child.exitCode, null, 'still running');
});
