// os-collect-config against the Python original (Debian's python3-os-collect-config), both polling
// the same live services on loopback: same cache files (content, mode), same command runs with the
// same OS_CONFIG_FILES, same exit codes, step after step as the metadata changes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  node,
  originalMissing,
  PYTHON,
  removeDir,
  repoRoot,
  runProcess,
  snapshot,
  tempDir,
} from './support/differential.ts';
import {
  type CfnState,
  cfnServer,
  ec2Server,
  type HeatState,
  keystoneHeatServer,
  type RequestState,
  requestServer,
} from './support/metadata-servers.ts';

const OURS = join(repoRoot, 'src/agents/config/os-collect-config.ts');
// The command records what it was given, and fails while a file named "fail" exists.
const COMMAND = `printf '%s\\n' "$OS_CONFIG_FILES" >> runs.log; test ! -e fail`;

function setUp(dir: string, conf: string): void {
  mkdirSync(join(dir, 'local-data'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'local-data/20-second'), JSON.stringify({ local: { order: 2 } }));
  writeFileSync(join(dir, 'local-data/10-first'), JSON.stringify({ local: { order: 1 }, x: [1, 2.5] }));
  writeFileSync(join(dir, 'local-data/.hidden'), 'not json');
  writeFileSync(
    join(dir, 'cfn-init-data'),
    JSON.stringify({ 'os-collect-config': { polling_interval: 5 }, a: 'é' }),
  );
  writeFileSync(join(dir, 'occ.conf'), conf);
}

type Outcome = { code: number | null; stdout: string; stderr: string; files: string[] };

async function runOne(dir: string, original: boolean, extra: string[]): Promise<Outcome> {
  const argv = ['--config-file', 'occ.conf', ...extra];
  const [cmd, args] = original ? [PYTHON, ['/usr/bin/os-collect-config', ...argv]] : [node, [OURS, ...argv]];
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir };
  const r = await runProcess(cmd, args, { cwd: dir, env });
  const files = snapshot(dir).filter((l) => /^(cache|backup|runs\.log)/.test(l));
  return { ...r, files };
}

test('os-collect-config matches the Python original against live services', async (t) => {
  const missing = originalMissing('os-collect-config');
  if (missing) return t.skip(missing);
  const cfnState: CfnState = {
    keyId: 'AKID',
    secret: 'sekrit/+=',
    stack: 'overcloud',
    resources: {
      controller0: {
        'os-collect-config': { command: 'os-refresh-config' },
        nova: { db: 'mysql://nova@host/nova' },
        deployments: [
          { name: 'dep-a', group: 'os-apply-config', config: { nova: { x: 1 } } },
          { name: 'dep-script', group: 'script', config: 'echo hi' },
          { name: 'dep-ungrouped', config: { keystone: { y: true } } },
          { group: 'os-apply-config', config: { nameless: 1 } },
        ],
      },
      extra: { more: { deep: { value: 42 } } },
    },
  };
  const requestState: RequestState = {
    body: JSON.stringify({ req: 1 }),
    lastModified: new Date('2026-01-02T03:04:05Z'),
  };
  const heatState: HeatState = {
    userId: 'uid',
    password: 'pw',
    projectId: 'proj',
    stackName: 'overcloud',
    stackId: 'f00d',
    resource: 'server0',
    metadata: {
      heat: { from: 'heat-api' },
      deployments: [{ name: 'heat-dep', group: 'os-apply-config', config: { h: 1 } }],
    },
  };
  const ec2 = await ec2Server(t, {
    'ami-id': 'ami-00000001',
    'instance-id': 'i-00000001',
    placement: { 'availability-zone': 'nova' },
    'public-keys': { '0=default': { 'openssh-key': 'ssh-rsa AAAA test' } },
  });
  const cfn = await cfnServer(t, cfnState);
  const req = await requestServer(t, requestState);
  const heat = await keystoneHeatServer(t, heatState);
  const conf = [
    '[DEFAULT]',
    // oslo.config substitutes $name in values; $$ is a literal dollar.
    `command = ${COMMAND.replaceAll('$', '$$$$')}`,
    'cachedir = cache',
    'backup_cachedir = backup',
    'collectors = heat_local',
    'collectors = ec2',
    'collectors = cfn',
    'collectors = heat',
    'collectors = request',
    'collectors = local',
    '[heat_local]',
    'path = cfn-init-data',
    '[local]',
    'path = local-data',
    '[ec2]',
    `metadata_url = ${ec2.url}/latest/meta-data`,
    '[cfn]',
    `metadata_url = ${cfn.url}/v1/`,
    'stack_name = overcloud',
    'access_key_id = AKID',
    'secret_access_key = sekrit/+=',
    // One path: with two, the original signs the second request over both requests' strings
    // (keystoneclient reuses its HMAC object), so real Heat refuses it; see docs/agents.md.
    'path = controller0.Metadata',
    '[heat]',
    `auth_url = ${heat.url}/identity/v3`,
    'user_id = uid',
    'password = pw',
    'project_id = proj',
    'stack_id = overcloud',
    'resource_name = server0',
    '[request]',
    `metadata_url = ${req.url}/md.json`,
    '',
  ].join('\n');
  const base = await tempDir('occ-diff-');
  t.after(() => removeDir(base));
  const dirs = { py: join(base, 'py', 'w'), ts: join(base, 'ts', 'w') };
  for (const d of Object.values(dirs)) setUp(d, conf);
  const both = (extra: string[] = ['--one-time']) =>
    Promise.all([runOne(dirs.py, true, extra), runOne(dirs.ts, false, extra)]);
  const inBoth = (f: (dir: string) => void) => Object.values(dirs).forEach(f);

  const step = async (name: string, extra?: string[], check?: (o: Outcome) => void) => {
    await t.test(name, async () => {
      const [py, ts] = await both(extra);
      assert.equal(ts.code, py.code, `exit code\npython: ${py.stderr}\nours: ${ts.stderr}`);
      assert.equal(ts.stdout, py.stdout, 'stdout');
      assert.deepEqual(
        ts.files,
        py.files,
        `cache, backup and command runs\npython: ${py.stderr}\nours: ${ts.stderr}`,
      );
      if (py.stderr.includes('Traceback')) {
        // The original crashed: ours gives the same reason, without the traceback.
        const reason = py.stderr
          .trim()
          .split('\n')
          .at(-1)!
          .replace(/^[\w.]+: /, '');
        assert.ok(ts.stderr.includes(reason), `ours: ${ts.stderr}\npython: ${reason}`);
      } else assert.equal(ts.stderr, py.stderr, 'log lines');
      check?.(ts);
    });
  };
  const runs = (o: Outcome) => o.files.find((l) => l.startsWith('runs.log'))?.split('\\n').length ?? 0;

  let before = 0;
  await step('first poll: everything is new, the command runs once', undefined, (o) => {
    assert.ok(
      o.files.some((l) => l.startsWith('cache/dep-a.json ')),
      'deployment exploded',
    );
    assert.ok(
      o.files.some((l) => l.startsWith('cache/cfn.json.last ')),
      'seen after success',
    );
    before = runs(o);
  });
  await step('nothing changed: the command does not run', undefined, (o) => assert.equal(runs(o), before));
  (cfnState.resources['controller0'] as Record<string, unknown>)['nova'] = { db: 'mysql://nova@other/nova' };
  await step('a cfn change runs the command again');
  inBoth((d) => writeFileSync(join(d, 'fail'), ''));
  requestState.body = JSON.stringify({ req: 2, deployments: [{ name: 'req-dep', config: { r: 2 } }] });
  requestState.lastModified = new Date('2026-01-03T00:00:00Z');
  await step('the command fails: exit code kept, nothing marked seen', undefined, (o) =>
    assert.equal(o.code, 1),
  );
  await step('still failing: retried on the next poll', undefined, (o) => assert.equal(o.code, 1));
  inBoth((d) => rmSync(join(d, 'fail')));
  await step('the command succeeds: the new data is marked seen', undefined, (o) => assert.equal(o.code, 0));
  await step('--force runs the command without a change', ['--force']);
  inBoth((d) => writeFileSync(join(d, 'local-data/30-third'), JSON.stringify({ third: true })));
  heatState.metadata = { heat: { from: 'heat-api', v: 2 } };
  await step('a new local file and a heat change');
  cfnState.secret = 'rotated';
  await step('a bad signature: cfn unavailable, the rest still collected');
  await step('--print shows every source without running the command', ['--print']);
  await step('positional collectors choose the sources', ['--print', 'local', 'heat_local']);
  await step('unknown collector', ['--print', 'nosuch']);
  await step('--print-cachedir', ['--print-cachedir']);
  assert.ok(cfn.requests.some((r) => r.includes('Signature=')));
  assert.ok(req.requests.some((r) => r.startsWith('HEAD ')));
  assert.ok(existsSync(join(dirs.ts, 'backup/os_config_files.json')));
  assert.deepEqual(
    JSON.parse(readFileSync(join(dirs.ts, 'cache/os_config_files.json'), 'utf8')),
    JSON.parse(readFileSync(join(dirs.py, 'cache/os_config_files.json'), 'utf8')),
  );
});

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
  while (!log().includes('{"from":"b"}')) {
    assert.ok(Date.now() < deadline, `server b never polled; runs: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(log(), '{"from":"a"}\n{"from":"b"}\n');
  assert.ok(b.requests.length >= 2, 'HEAD and GET to the new source');
  assert.equal(child.exitCode, null, 'still running');
});

// The ec2 config drive, with stand-in blkid, mount and umount on PATH (the original finds them
// there too): the drive's meta-data.json wins over the metadata service; mounts are undone.
test('ec2 config drive: same metadata and the same mount/umount calls as the original', async (t) => {
  const missing = originalMissing('os-collect-config');
  if (missing) return t.skip(missing);
  const base = await tempDir('occ-cd-');
  t.after(() => removeDir(base));
  const fake = join(base, 'fakebin');
  mkdirSync(fake);
  const tool = (name: string, body: string) =>
    writeFileSync(join(fake, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  tool(
    'blkid',
    'printf "DEVNAME=/dev/sda1\\nTYPE=ext4\\n\\nDEVNAME=/dev/sr0\\nTYPE=$CD_TYPE\\nLABEL=config-2\\n"',
  );
  // "Mounting" copies the drive's files into the mount point; "unmounting" empties it.
  tool(
    'mount',
    'echo "mount $1 $3 $4" >> "$CALLS"; [ -n "$MOUNT_FAILS" ] && exit 32; cp -r "$DRIVE"/. "$2"/',
  );
  tool('umount', 'echo "umount $1" >> "$CALLS"; rm -rf "$2"/*');
  const cases = [
    {
      name: 'iso9660 drive with metadata',
      type: 'iso9660',
      drive: { 'ec2/latest/meta-data.json': '{"instance-id": "i-cd", "n": 1.0}' },
    },
    { name: 'vfat drive without the file', type: 'vfat', drive: { 'openstack/latest/meta_data.json': '{}' } },
    { name: 'not a config drive type', type: 'ext4', drive: { 'ec2/latest/meta-data.json': '{"x": 1}' } },
    {
      name: 'mount fails',
      type: 'iso9660',
      drive: { 'ec2/latest/meta-data.json': '{"x": 1}' },
      mountFails: true,
    },
    { name: 'invalid JSON on the drive', type: 'iso9660', drive: { 'ec2/latest/meta-data.json': '{bad' } },
  ];
  const ec2 = await ec2Server(t, { 'instance-id': 'i-from-service' });
  for (const c of cases) {
    await t.test(c.name, async () => {
      const one = async (name: string, original: boolean) => {
        const dir = join(base, c.name.replaceAll(' ', '-'), name);
        mkdirSync(join(dir, 'drive'), { recursive: true });
        for (const [rel, content] of Object.entries(c.drive)) {
          mkdirSync(join(dir, 'drive', rel, '..'), { recursive: true });
          writeFileSync(join(dir, 'drive', rel), content);
        }
        const args = [
          '--cachedir',
          'cache',
          '--print',
          '--ec2-metadata-url',
          `${ec2.url}/latest/meta-data`,
          'ec2',
        ];
        const [cmd, argv] = original
          ? [PYTHON, ['/usr/bin/os-collect-config', ...args]]
          : [node, [OURS, ...args]];
        const env = {
          PATH: `${fake}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          LANG: 'C.UTF-8',
          HOME: dir,
          TMPDIR: dir,
          CD_TYPE: c.type,
          CALLS: join(dir, 'calls'),
          DRIVE: join(dir, 'drive'),
          ...(c.mountFails ? { MOUNT_FAILS: '1' } : {}),
        };
        const r = await runProcess(cmd, argv, { cwd: dir, env });
        const calls = existsSync(env.CALLS) ? readFileSync(env.CALLS, 'utf8').replaceAll(dir, 'DIR') : '';
        const leftovers = snapshot(dir).filter((l) => l.startsWith('config-2-'));
        return {
          code: r.code,
          stdout: r.stdout,
          stderr: r.stderr.replaceAll(dir, 'DIR').replace(/config-2-\w+/g, 'config-2-X'),
          calls: calls.replace(/config-2-\w+/g, 'config-2-X'),
          leftovers,
        };
      };
      const [py, ts] = await Promise.all([one('py', true), one('ts', false)]);
      assert.equal(ts.code, py.code, py.stderr);
      assert.equal(ts.stdout, py.stdout);
      assert.equal(ts.calls, py.calls);
      assert.deepEqual(ts.leftovers, py.leftovers);
      assert.equal(ts.stderr, py.stderr);
      // Only a readable drive replaces the metadata service.
      assert.match(ts.stdout, c.name.startsWith('iso9660') ? /i-cd/ : /i-from-service/);
    });
  }
});
