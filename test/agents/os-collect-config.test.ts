// os-collect-config against the Python original (Debian's python3-os-collect-config), both polling
// the same live services on loopback: same cache files (content, mode), same command runs with the
// same OS_CONFIG_FILES, same exit codes, step after step as the metadata changes.
import assert from 'node:assert/strict';
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
// The command records what it was given, fails while a file named "fail" exists, and kills
// itself while "killself" exists.
const COMMAND = `printf '%s\\n' "$OS_CONFIG_FILES" >> runs.log; [ -e killself ] && kill -TERM $$; test ! -e fail`;

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
  inBoth((d) => writeFileSync(join(d, 'killself'), ''));
  await step('a command killed by a signal', ['--force'], (o) => assert.equal(o.code, 256 - 15));
  inBoth((d) => rmSync(join(d, 'killself')));
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
