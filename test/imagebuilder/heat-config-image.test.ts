// The agents a Heat-configured machine needs, as the user image gets them (elements/heat-config over
// elements/os-config-tools): `ooo image build -t tar debian heat-config` (cached between runs in the shared
// cache, like user-image.test.ts), then the tree is inspected and the tools run in it under chroot on the
// image's own Debian nodejs: os-apply-config renders os-collect-config's file (with the [cfn] section Heat's
// metadata asks for) and heat-config's deployments file, heat-config runs the script hook.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expandElements, findAllElements } from '../../src/imagebuilder/elements.ts';
import {
  archiveSkipReason,
  buildCached,
  REPO,
  rootSkipReason,
  scratch,
  toolSkipReason,
} from './support/run.ts';

const bundles = join(REPO, 'dist');
const needed = [
  'os-collect-config',
  'os-apply-config',
  'os-refresh-config',
  'heat-config',
  'heat-config-notify',
];
const missing = [...needed, 'heat-config-hook-script'].filter((t) => !existsSync(join(bundles, `${t}.mjs`)));

it('the user image is composed with heat-config and the os-*-config tools', () => {
  const all = findAllElements([join(REPO, 'elements')]);
  const elements = expandElements(['debian', 'vm', 'user-image'], all);
  for (const e of ['heat-config', 'os-config-tools', 'user-image']) assert.ok(elements.includes(e), e);
});

const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'tar') ??
  (missing.length > 0 ? `no bundles ${missing.join(', ')} in dist/ (npm run build:agents)` : undefined) ??
  (await archiveSkipReason());

describe('the heat-config element in an image', { skip }, () => {
  let dir = '';
  let root = '';
  const inRoot = (args: string[], env: Record<string, string> = {}, input?: string) =>
    spawnSync('chroot', [root, ...args], {
      encoding: 'utf8',
      input,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', ...env },
    });
  before(async () => {
    dir = scratch('heat-config');
    const out = join(dir, 'hc');
    const r = await buildCached(dir, 'heat-config', ['-t', 'tar', '-o', out, 'debian', 'heat-config']);
    assert.equal(r.code, 0, r.out.slice(-4000));
    root = join(dir, 'root');
    mkdirSync(root);
    assert.equal(spawnSync('tar', ['-C', root, '-xf', `${out}.tar`]).status, 0);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the commands, the hook, the templates and the os-refresh-config scripts', () => {
    for (const f of [
      ...needed.map((t) => `/usr/local/bin/${t}`),
      '/var/lib/heat-config/hooks/script',
      '/usr/libexec/os-refresh-config/configure.d/20-os-apply-config',
      '/usr/libexec/os-refresh-config/configure.d/55-heat-config',
      '/usr/libexec/os-refresh-config/post-configure.d/99-refresh-completed',
      '/usr/bin/curl',
    ]) {
      assert.ok(existsSync(join(root, f)), `${f} is missing`);
      assert.ok(statSync(join(root, f)).mode & 0o100, `${f} is not executable`);
    }
    for (const f of ['etc/os-collect-config.conf', 'var/run/heat-config/heat-config'])
      assert.ok(existsSync(join(root, '/usr/libexec/os-apply-config/templates', f)), `template ${f}`);
  });

  it("renders os-collect-config's file and the deployments from Heat's metadata, and runs the script hook", () => {
    const metadata = {
      'os-collect-config': {
        cfn: {
          metadata_url: 'http://192.0.2.1:8000/v1/',
          access_key_id: 'AK',
          secret_access_key: 'SK',
          stack_name: 'st',
          path: 'server.Metadata',
        },
      },
      deployments: [
        {
          id: 'd-1',
          name: 'hello',
          group: 'script',
          inputs: [{ name: 'who', type: 'String', value: 'lab' }],
          outputs: [],
          options: {},
          config: '#!/bin/sh\necho "hello $who" > /tmp/hello-out\necho done\n',
        },
      ],
    };
    writeFileSync(join(root, 'tmp/md.json'), JSON.stringify(metadata));
    const oac = inRoot(['os-apply-config'], { OS_CONFIG_FILES: '/tmp/md.json' });
    assert.equal(oac.status, 0, oac.stdout + oac.stderr);
    const conf = readFileSync(join(root, 'etc/os-collect-config.conf'), 'utf8');
    // collectors is a multi-valued option: one line per collector (a comma list is one unknown name).
    assert.match(conf, /^collectors = heat_local\ncollectors = ec2\ncollectors = cfn$/m);
    assert.match(conf, /^\[cfn\]\nmetadata_url = http:\/\/192\.0\.2\.1:8000\/v1\/\nstack_name = st\n/m);
    assert.match(conf, /^secret_access_key = SK$/m);
    assert.equal(statSync(join(root, 'etc/os-collect-config.conf')).mode & 0o777, 0o600);
    // os-collect-config accepts the rendered file and its cfn collector is configured by it: the source is
    // tried (here at a closed loopback port, given on the command line) rather than "not configured".
    const occ = inRoot([
      'os-collect-config',
      '--print',
      '--cfn-metadata-url',
      'http://127.0.0.1:9/v1/',
      '--ec2-metadata-url',
      'http://127.0.0.1:9/',
    ]);
    assert.equal(occ.status, 0, occ.stdout + occ.stderr);
    assert.match(occ.stderr, /^Source \[cfn\] Unavailable\.$/m);
    assert.deepEqual(
      // /var/run links to /run, absolutely: read it outside the chroot through /run
      JSON.parse(readFileSync(join(root, 'run/heat-config/heat-config'), 'utf8')).map(
        (d: { id: string }) => d.id,
      ),
      ['d-1'],
    );
    // heat-config hands the hook's answer to heat-config-notify; here a stand-in that keeps it.
    writeFileSync(join(root, 'tmp/notify'), '#!/bin/sh\ncat > /tmp/notified\n', { mode: 0o755 });
    const hc = inRoot(['heat-config'], { HEAT_CONFIG_NOTIFY: '/tmp/notify' });
    assert.equal(hc.status, 0, hc.stdout + hc.stderr);
    assert.equal(readFileSync(join(root, 'tmp/hello-out'), 'utf8'), 'hello lab\n');
    const answer = JSON.parse(readFileSync(join(root, 'tmp/notified'), 'utf8'));
    assert.equal(answer.deploy_stdout, 'done\n');
    assert.equal(answer.deploy_status_code, 0);
    assert.ok(existsSync(join(root, 'var/lib/heat-config/deployed/d-1.json')));
    // The real signaller loads on the image's nodejs and refuses a call without its deployment file.
    const notify = inRoot(['heat-config-notify'], {}, '{}');
    assert.match(notify.stderr, /\(heat-config-notify\) \[ERROR\]/);
  });
});
