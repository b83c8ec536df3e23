// A partition image on a `sim` node through the real CLI: `deploy --config-drive '<JSON>'` makes the
// service build the config-2 ISO, which the agent writes to the config drive partition of the sim disk
// (read back with sfdisk and xorriso); then a marker file written into the ephemeral partition's ext4 (with
// debugfs) survives `node rebuild` with instance_info preserve_ephemeral=true and is gone after a rebuild
// without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baremetalCli } from '../support/baremetal-cli.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read freely
type J = any;

const TOOLS = ['/usr/sbin/sfdisk', '/usr/sbin/debugfs', '/usr/sbin/mkfs.ext4', '/usr/bin/xorriso'];
const missing = TOOLS.find((t) => !existsSync(t));
const noTools = missing ? `no ${missing} (fdisk, e2fsprogs, xorriso)` : undefined;

interface Part {
  start: number;
  size: number;
}

describe('config drive from JSON and preserve_ephemeral on a sim node', {
  skip: cliUnavailable() ?? noTools,
}, () => {
  let seed: TestSeed;
  let work: string;
  const { os, ok, show } = baremetalCli(() => seed.cliEnv, 180_000);

  /** The sim disk's partitions (sfdisk), in 512-byte sectors. */
  const partitions = (disk: string): Part[] =>
    (
      JSON.parse(execFileSync('sfdisk', ['--json', disk], { encoding: 'utf8' })) as {
        partitiontable: { partitions: Part[] };
      }
    ).partitiontable.partitions;
  const extent = (disk: string, p: Part) => {
    const out = join(work, `part-${p.start}`);
    execFileSync('dd', [
      `if=${disk}`,
      `of=${out}`,
      'bs=512',
      `skip=${p.start}`,
      `count=${p.size}`,
      'status=none',
    ]);
    return out;
  };
  const ext4Label = (file: string) =>
    readFileSync(file)
      .subarray(1024 + 120, 1024 + 136)
      .toString('latin1')
      .replace(/\0+$/, '');
  const isIso = (file: string) => readFileSync(file).subarray(32769, 32774).toString('latin1') === 'CD001';
  const debugfs = (disk: string, p: Part, cmd: string) =>
    execFileSync('debugfs', ['-w', '-R', cmd, `${disk}?offset=${p.start * 512}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  before(async () => {
    seed = await startTestSeed({
      services: ['image', 'baremetal'],
      serviceUsers: true,
      settings: { baremetal: { agentPollIntervalMs: 100, periodicIntervalMs: 1000, automatedClean: false } },
    });
    work = mkdtempSync(join(tmpdir(), 'ooo-sim-cd-'));
  });
  after(async () => {
    await seed?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('deploy with a JSON config drive, rebuild with and without preserve_ephemeral', async () => {
    // The partition image: a small ext4 root file system.
    const rootfs = join(work, 'root.img');
    execFileSync('truncate', ['-s', '8M', rootfs]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'img-root', rootfs]);
    const image: J = (
      await ok(
        'image',
        'create',
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--public',
        '--file',
        rootfs,
        'part-img',
        '-f',
        'json',
      )
    ).json();

    await ok('baremetal', 'node', 'create', '--driver', 'sim', '--name', 'pe-1', '--property', 'local_gb=3');
    const node = await show('pe-1');
    await ok('baremetal', 'port', 'create', '52:54:00:cd:00:01', '--node', node.uuid);
    await ok('baremetal', 'node', 'manage', 'pe-1', '--wait', '60');
    await ok('baremetal', 'node', 'provide', 'pe-1', '--wait', '60');
    await ok(
      'baremetal',
      'node',
      'set',
      'pe-1',
      '--instance-info',
      `image_source=${image.id}`,
      '--instance-info',
      'image_type=partition',
      '--instance-info',
      'root_gb=1',
      '--instance-info',
      'ephemeral_gb=1',
    );

    // A bad JSON config drive is refused before anything moves.
    const bad = await os('baremetal', 'node', 'deploy', 'pe-1', '--config-drive', '{"metadata": {}}');
    assert.match(bad.stderr, /Invalid configdrive key "metadata".*HTTP 400/);
    assert.equal((await show('pe-1')).provision_state, 'available');

    const drive = {
      meta_data: { hostname: 'pe-1.example.org', public_keys: { k: 'ssh-ed25519 AAAA k' } },
      user_data: '#cloud-config\nruncmd: [touch /marker]\n',
      network_data: { links: [{ id: 'eth0', type: 'phy', ethernet_mac_address: '52:54:00:cd:00:01' }] },
      vendor_data: { vendor: 'tripleo-ts' },
    };
    await ok('baremetal', 'node', 'deploy', 'pe-1', '--config-drive', JSON.stringify(drive), '--wait', '180');
    const active = await show('pe-1');
    assert.equal(active.provision_state, 'active', active.last_error);
    assert.equal(active.instance_info.configdrive, '******');

    const disk = join(seed.stateDir, 'baremetal', 'sim', `${node.uuid}.img`);
    const parts = partitions(disk);
    const files = new Map(parts.map((p) => [p, extent(disk, p)]));
    const eph = parts.find((p) => ext4Label(files.get(p)!) === 'ephemeral0');
    const root = parts.find((p) => ext4Label(files.get(p)!) === 'img-root');
    const cd = parts.find((p) => isIso(files.get(p)!));
    assert.ok(eph && root && cd, `ephemeral, root and config drive partitions: ${JSON.stringify(parts)}`);

    // The config drive partition holds the files built from the JSON.
    const out = join(work, 'cd');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', files.get(cd)!, '-extract', '/', out], {
      stdio: 'ignore',
    });
    for (const v of ['2012-08-10', 'latest']) {
      const dir = join(out, 'openstack', v);
      const meta = JSON.parse(readFileSync(join(dir, 'meta_data.json'), 'utf8'));
      assert.deepEqual(meta, { ...drive.meta_data, uuid: node.uuid, name: 'pe-1' });
      assert.equal(readFileSync(join(dir, 'user_data'), 'utf8'), drive.user_data);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'network_data.json'), 'utf8')), drive.network_data);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'vendor_data2.json'), 'utf8')), drive.vendor_data);
    }
    const label = execFileSync('xorriso', ['-indev', files.get(cd)!, '-pvd_info'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(label, /Volume Id\s*:\s*config-2/);

    // A marker file in the ephemeral file system, as the instance would leave one.
    const marker = join(work, 'marker');
    writeFileSync(marker, 'kept across rebuilds\n');
    debugfs(disk, eph, `write ${marker} marker.txt`);
    assert.match(debugfs(disk, eph, 'cat marker.txt'), /kept across rebuilds/);

    // Rebuild preserving the ephemeral partition (and a new config drive): the marker stays.
    await ok('baremetal', 'node', 'set', 'pe-1', '--instance-info', 'preserve_ephemeral=true');
    await ok(
      'baremetal',
      'node',
      'rebuild',
      'pe-1',
      '--config-drive',
      JSON.stringify({ meta_data: { v: 2 } }),
      '--wait',
      '180',
    );
    const rebuilt = await show('pe-1');
    assert.equal(rebuilt.provision_state, 'active', rebuilt.last_error);
    assert.deepEqual(partitions(disk), parts, 'the same layout');
    assert.match(debugfs(disk, eph, 'cat marker.txt'), /kept across rebuilds/);
    execFileSync(
      'xorriso',
      ['-osirrox', 'on', '-indev', extent(disk, cd), '-extract', '/', join(work, 'cd2')],
      {
        stdio: 'ignore',
      },
    );
    assert.deepEqual(
      JSON.parse(readFileSync(join(work, 'cd2', 'openstack', 'latest', 'meta_data.json'), 'utf8')),
      { v: 2, uuid: node.uuid, name: 'pe-1' },
    );

    // Rebuild without it: a fresh ephemeral file system, the marker gone.
    await ok('baremetal', 'node', 'unset', 'pe-1', '--instance-info', 'preserve_ephemeral');
    await ok('baremetal', 'node', 'rebuild', 'pe-1', '--wait', '180');
    const again = await show('pe-1');
    assert.equal(again.provision_state, 'active', again.last_error);
    assert.equal(ext4Label(extent(disk, eph)), 'ephemeral0');
    assert.doesNotMatch(debugfs(disk, eph, 'ls -l /'), /marker\.txt/);
  });
});
