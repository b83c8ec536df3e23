// A `sim` node driven by the real `openstack` CLI through the whole life of a machine, with the deploy agent
// run in-process against a sparse file: manage → provide (cleaning through the agent) → deploy (the image
// fetched from the real image service over HTTP, checksum verified, written) → active → undeploy
// (cleaning) → available. Then a checksum mismatch (the stored image data changed under its recorded hash)
// ends in `deploy failed`, and inspection through the agent sets properties and creates a port.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baremetalCli } from '../support/baremetal-cli.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read freely
type J = any;

const MIB = 1024 * 1024;
const noQemuImg = existsSync('/usr/bin/qemu-img') ? undefined : 'no qemu-img (Debian package qemu-utils)';

function readRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

describe('sim nodes through the agent', { skip: cliUnavailable() ?? noQemuImg }, () => {
  let seed: TestSeed;
  let env: Record<string, string>;
  let work: string;
  const { os, ok, show } = baremetalCli(() => env, 120_000);
  const simNode = async (name: string, mac: string, ...extra: string[]) => {
    await ok('baremetal', 'node', 'create', '--driver', 'sim', '--name', name, ...extra);
    await ok('baremetal', 'port', 'create', mac, '--node', (await show(name)).uuid);
    await ok('baremetal', 'node', 'manage', name, '--wait', '60');
  };
  const events = async (uuid: string): Promise<J[]> => {
    const res = await fetch(`${seed.urls.baremetal}/v1/nodes/${uuid}/history?detail=true`, {
      headers: {
        'x-auth-token': await seed.tokenFor('admin', seed.adminPassword, 'admin'),
        'x-openstack-ironic-api-version': '1.78',
      },
    });
    return ((await res.json()) as { history: J[] }).history;
  };

  before(async () => {
    seed = await startTestSeed({
      services: ['image', 'baremetal'],
      serviceUsers: true,
      settings: { baremetal: { agentPollIntervalMs: 100, periodicIntervalMs: 1000, simDiskGb: 1 } },
    });
    env = seed.cliEnv;
    work = mkdtempSync(join(tmpdir(), 'ooo-sim-deploy-'));
  });
  after(async () => {
    await seed?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('manage, provide, deploy a qcow2 image, undeploy', async () => {
    // 3 MiB of random data, a hole, then 1 MiB more: a qcow2 image with unallocated clusters.
    const raw = join(work, 'disk.raw');
    const data = Buffer.concat([randomBytes(3 * MIB), Buffer.alloc(2 * MIB), randomBytes(MIB)]);
    writeFileSync(raw, data);
    const qcow2 = join(work, 'disk.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const image: J = (
      await ok(
        'image',
        'create',
        '--disk-format',
        'qcow2',
        '--container-format',
        'bare',
        '--public',
        '--file',
        qcow2,
        'sim-img',
        '-f',
        'json',
      )
    ).json();

    await simNode('s1', '52:54:00:aa:00:01');
    const s1 = await show('s1');
    assert.equal(s1.provision_state, 'manageable');
    assert.equal(s1.power_state, 'power off');

    await ok('baremetal', 'node', 'provide', 's1', '--wait', '60');
    const provided = await show('s1');
    assert.equal(provided.provision_state, 'available', provided.last_error);
    assert.equal(provided.power_state, 'power off');
    const disk = join(seed.stateDir, 'baremetal', 'sim', `${s1.uuid}.img`);
    assert.ok(existsSync(disk), 'the sim disk file exists');

    await ok('baremetal', 'node', 'set', 's1', '--instance-info', `image_source=${image.id}`);
    await ok('baremetal', 'node', 'deploy', 's1', '--wait', '90');
    const active = await show('s1');
    assert.equal(active.provision_state, 'active', active.last_error);
    assert.equal(active.power_state, 'power on');
    assert.equal(active.last_error, null);
    assert.deepEqual(readRange(disk, 0, data.length), data, 'the disk holds the image bytes');

    // The agent fetched the image with a credential made for this deploy, deleted once it ended.
    assert.match(String(active.driver_internal_info.agent_deploy ?? 'gone'), /gone/);
    const admin = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const idApi = async (path: string): Promise<J> =>
      (await fetch(`${seed.authUrl}${path}`, { headers: { 'x-auth-token': admin } })).json();
    const ironic = (await idApi('/users?name=ironic')).users[0];
    assert.ok(ironic, 'the bare metal service user exists');
    const creds = (await idApi(`/users/${ironic.id}/application_credentials`)).application_credentials;
    assert.deepEqual(creds, [], 'no deploy credential is left');
    const used = (await events(s1.uuid))
      .map((e) => /^phase: image written .*credential ([0-9a-f]+)/.exec(String(e.event))?.[1])
      .find(Boolean);
    assert.ok(used, 'the write names the credential it used');
    const gone = await fetch(`${seed.authUrl}/users/${ironic.id}/application_credentials/${used}`, {
      headers: { 'x-auth-token': admin },
    });
    assert.equal(gone.status, 404, 'the deploy credential was deleted');

    // The timeline, from the node's history: each phase with its duration and figures.
    const said = (await events(s1.uuid)).map((e) => String(e.event));
    const size = readFileSync(qcow2).length;
    for (const want of [
      /^phase: ramdisk up \([\d.]+ s, state clean wait/,
      /^phase: clean step erase_devices_metadata \([\d.]+ s\)/,
      /^phase: ramdisk up \([\d.]+ s, state wait call-back/,
      new RegExp(
        `^phase: image written \\([\\d.]+ s, image ${image.id}, credential [0-9a-f]+, bytes ${size}, mb per s [\\d.]+\\)`,
      ),
      /^phase: reboot to instance \([\d.]+ s\)/,
      /^wait call-back -> deploying \(resume\)/,
      /^deploying -> active \(done\)/,
    ])
      assert.ok(
        said.some((s) => want.test(s)),
        `${want} in the history:\n${said.join('\n')}`,
      );

    await ok('baremetal', 'node', 'undeploy', 's1', '--wait', '90');
    const after = await show('s1');
    assert.equal(after.provision_state, 'available', after.last_error);
    assert.equal(after.instance_info.image_source, undefined);
    // erase_devices_metadata zeroed the first MiB (the partition table's place).
    assert.ok(
      readRange(disk, 0, MIB).every((b) => b === 0),
      'the metadata was erased',
    );
    assert.deepEqual(readRange(disk, MIB, MIB), data.subarray(MIB, 2 * MIB), 'only the metadata');
  });

  test("an image whose data no longer matches its hash: deploy failed with the agent's error", async () => {
    const data = randomBytes(2 * MIB);
    const raw = join(work, 'bad.raw');
    writeFileSync(raw, data);
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
        raw,
        'bad-img',
        '-f',
        'json',
      )
    ).json();
    // Change the stored bytes under the recorded os_hash_value (what a corrupted store would serve).
    const stored = join(seed.stateDir, 'images', image.id);
    const bytes = readFileSync(stored);
    bytes[MIB] = (bytes[MIB] ?? 0) ^ 0xff;
    writeFileSync(stored, bytes);

    await ok('baremetal', 'node', 'set', 's1', '--instance-info', `image_source=${image.id}`);
    const r = await os('baremetal', 'node', 'deploy', 's1', '--wait', '90');
    assert.notEqual(r.code, 0, 'the CLI reports the failed deploy');
    const failed = await show('s1');
    assert.equal(failed.provision_state, 'deploy failed');
    assert.match(failed.last_error, /write_image failed: .*Image failed to verify against checksum/);
    assert.equal(failed.power_state, 'power off');
  });

  test('inspection through the agent sets properties and creates a port for a new NIC', async () => {
    await simNode('s2', '52:54:00:aa:00:02', '--driver-info', 'sim_macs=52:54:00:aa:00:02,52:54:00:AA:00:03');
    const before: J = await show('s2');
    assert.equal(before.properties.cpus, undefined);
    await ok('baremetal', 'node', 'inspect', 's2', '--wait', '60');
    const after: J = await show('s2');
    assert.equal(after.provision_state, 'manageable', after.last_error);
    assert.deepEqual(
      {
        cpus: after.properties.cpus,
        memory_mb: after.properties.memory_mb,
        local_gb: after.properties.local_gb,
        cpu_arch: after.properties.cpu_arch,
      },
      { cpus: 1, memory_mb: 1024, local_gb: 1, cpu_arch: 'x86_64' },
    );
    assert.equal(after.power_state, 'power off');
    const ports: J[] = (await ok('baremetal', 'port', 'list', '--node', 's2', '-f', 'json')).json();
    assert.deepEqual(ports.map((p) => p.Address).sort(), ['52:54:00:aa:00:02', '52:54:00:aa:00:03']);

    // Manual cleaning with the steps given, through the agent: back to manageable.
    const disk = join(seed.stateDir, 'baremetal', 'sim', `${after.uuid}.img`);
    writeFileSync(disk, Buffer.alloc(MIB, 0xab), { flag: 'r+' });
    const steps = JSON.stringify([{ interface: 'deploy', step: 'erase_devices_metadata' }]);
    await ok('baremetal', 'node', 'clean', 's2', '--clean-steps', steps, '--wait', '60');
    const cleaned: J = await show('s2');
    assert.equal(cleaned.provision_state, 'manageable', cleaned.last_error);
    assert.ok(
      readRange(disk, 0, MIB).every((b) => b === 0),
      'the step ran on the disk',
    );
    const bad = JSON.stringify([{ interface: 'deploy', step: 'burnin_cpu' }]);
    const r = await os('baremetal', 'node', 'clean', 's2', '--clean-steps', bad, '--wait', '60');
    assert.notEqual(r.code, 0);
    const refused: J = await show('s2');
    assert.equal(refused.provision_state, 'clean failed');
    assert.match(refused.last_error, /does not offer the clean step deploy\.burnin_cpu/);
  });

  test('abort while waiting for an agent that never finds its node: clean failed, powered off', async () => {
    // The machine's only NIC is not the enrolled port: its agent's lookups get 404 and it never calls back.
    await simNode('s3', '52:54:00:aa:00:04', '--driver-info', 'sim_macs=52:54:00:aa:00:05');
    await ok('baremetal', 'node', 'provide', 's3');
    let waiting: J = await show('s3');
    for (let i = 0; i < 30 && waiting.provision_state !== 'clean wait'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      waiting = await show('s3');
    }
    assert.equal(waiting.provision_state, 'clean wait');
    assert.equal(waiting.power_state, 'power on');
    await ok('baremetal', 'node', 'abort', 's3');
    let aborted: J = await show('s3');
    for (let i = 0; i < 30 && aborted.power_state !== 'power off'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      aborted = await show('s3');
    }
    assert.equal(aborted.provision_state, 'clean failed');
    assert.equal(aborted.power_state, 'power off', 'the ramdisk was powered off');
  });
});
