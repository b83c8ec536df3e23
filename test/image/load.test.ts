// `ooo image load` against a seed: kernel (aki), ramdisk (ari), disk with kernel_id/ramdisk_id, progress on
// stderr, only ids on stdout, idempotent by checksum, -d to start over; credentials from OS_* or clouds.yaml.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ImageClient } from '../../src/image/client.ts';
import { runImageLoad } from '../../src/image/load/cli.ts';
import { parseCloudsYaml } from '../../src/platform/clouds-yaml.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

async function run(argv: string[], env: Record<string, string>) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c) => (chunks.out += c));
  err.on('data', (c) => (chunks.err += c));
  const code = await runImageLoad(argv, { stdout: out, stderr: err, env });
  return { code, stdout: chunks.out, stderr: chunks.err };
}

describe('ooo image load', () => {
  let seed: TestSeed;
  let dir: string;
  let client: ImageClient;
  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'image'], settings: { image: { fsync: false } } });
    dir = mkdtempSync(join(tmpdir(), 'ooo-image-load-'));
    client = new ImageClient(
      seed.urls.image as string,
      await seed.tokenFor('admin', seed.adminPassword, 'admin'),
    );
  });
  after(async () => {
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('loads kernel, ramdisk and disk; re-running reuses them; -d starts over', async () => {
    const disk = join(dir, 'overcloud.qcow2');
    const qcow = Buffer.alloc(3 * 1024 * 1024, 9);
    qcow.writeUInt32BE(0x514649fb, 0);
    qcow.writeUInt32BE(3, 4);
    qcow.writeBigUInt64BE(4n * 1024n ** 3n, 24);
    writeFileSync(disk, qcow);
    writeFileSync(join(dir, 'overcloud.vmlinuz'), Buffer.alloc(100_000, 1));
    writeFileSync(join(dir, 'overcloud.initrd'), Buffer.alloc(200_000, 2));

    const first = await run([disk], seed.cliEnv);
    assert.equal(first.code, 0, first.stderr);
    const id = first.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/, 'only the disk image id on stdout');
    assert.match(first.stderr, /overcloud-vmlinuz: 100% /);
    const steps = first.stderr.match(/^overcloud: +\d+% /gm) ?? [];
    assert.ok(steps.length >= 2, `progress in steps on a non-terminal: ${first.stderr}`);
    assert.match(first.stderr, /^overcloud: 100% \[#{20}\] 3\.0 of 3\.0 MiB/m);
    const image = await client.get(ctx, id);
    assert.equal(image?.status, 'active');
    assert.equal(image?.disk_format, 'qcow2');
    assert.equal(image?.visibility, 'public');
    assert.equal(image?.virtual_size, 4 * 1024 ** 3);
    const kernel = await client.get(ctx, image?.kernel_id as string);
    const ramdisk = await client.get(ctx, image?.ramdisk_id as string);
    assert.deepEqual(
      [kernel?.name, kernel?.disk_format, kernel?.container_format, kernel?.size],
      ['overcloud-vmlinuz', 'aki', 'aki', 100_000],
    );
    assert.deepEqual(
      [ramdisk?.name, ramdisk?.disk_format, ramdisk?.container_format],
      ['overcloud-initrd', 'ari', 'ari'],
    );

    // Again, this time with clouds.yaml (OS_CLOUD) instead of OS_* variables: nothing is uploaded.
    const cloudsFile = join(dir, 'clouds.yaml');
    writeFileSync(
      cloudsFile,
      [
        'clouds:',
        '  lab:  # the test seed',
        '    auth_type: password',
        '    auth:',
        `      auth_url: "${seed.authUrl}"`,
        '      username: admin',
        `      password: '${seed.adminPassword}'`,
        '      project_name: admin',
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        '    region_name: RegionOne',
        '    interface: public',
        '',
      ].join('\n'),
    );
    const before = (await client.list(ctx)).length;
    const again = await run([disk], { OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: cloudsFile, HOME: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), id);
    assert.match(again.stderr, /overcloud: unchanged, reusing/);
    assert.doesNotMatch(again.stderr, /%/, 'nothing uploaded');
    assert.equal((await client.list(ctx)).length, before);

    // A changed disk is uploaded anew; the unchanged kernel and ramdisk are still reused.
    qcow[qcow.length - 1] = 0;
    writeFileSync(disk, qcow);
    const changed = await run([disk], seed.cliEnv);
    assert.equal(changed.code, 0, changed.stderr);
    assert.notEqual(changed.stdout.trim(), id);
    assert.match(changed.stderr, /overcloud-vmlinuz: unchanged/);
    assert.equal((await client.get(ctx, changed.stdout.trim()))?.kernel_id, kernel?.id);

    const fresh = await run(['-d', disk], seed.cliEnv);
    assert.equal(fresh.code, 0, fresh.stderr);
    const names = (await client.list(ctx)).map((i) => i.name).sort();
    assert.deepEqual(names, ['overcloud', 'overcloud-initrd', 'overcloud-vmlinuz']);
    assert.notEqual((await client.get(ctx, fresh.stdout.trim()))?.kernel_id, kernel?.id);
  });

  test('errors: a missing kernel, bad credentials, bad usage', async () => {
    const lone = join(dir, 'lonely.qcow2');
    writeFileSync(lone, 'x');
    const missing = await run([lone], seed.cliEnv);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /lonely\.vmlinuz not found/);
    assert.equal(missing.stdout, '');
    const denied = await run([lone], { ...seed.cliEnv, OS_PASSWORD: 'wrong' });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /authentication failed.*401/);
    assert.equal((await run([], seed.cliEnv)).code, 2);
    assert.equal((await run(['--bogus', lone], seed.cliEnv)).code, 2);
  });
});

test('clouds.yaml as openstacksdk reads it: YAML 1.1, a mapping at the top', () => {
  const doc = parseCloudsYaml(
    [
      '# comment',
      'clouds:',
      '  seed:',
      '    auth: {auth_url: "http://h:5000/v3", username: admin, password: \'p#w\'}',
      '    region_name: "RegionOne"  # trailing comment',
      '    identity_api_version: 3',
      '    verify: false',
    ].join('\n'),
  );
  assert.deepEqual(doc, {
    clouds: {
      seed: {
        auth: { auth_url: 'http://h:5000/v3', username: 'admin', password: 'p#w' },
        region_name: 'RegionOne',
        identity_api_version: 3,
        verify: false,
      },
    },
  });
  assert.deepEqual(parseCloudsYaml('verify: no\nport: 0755\n'), { verify: false, port: 493 });
  assert.deepEqual(parseCloudsYaml(''), {});
  assert.throws(() => parseCloudsYaml('- a\n', 'c.yaml'), /c\.yaml: expected a mapping/);
  assert.throws(() => parseCloudsYaml('a: [1\n', 'c.yaml'), /c\.yaml: .*line 2/);
});
