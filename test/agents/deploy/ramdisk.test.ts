// The deploy ramdisk for real: built by our image builder (debian + deploy-agent, cached between runs), booted
// under QEMU TCG with -kernel/-initrd and user-mode networking whose only way out is a forward to a fake
// conductor on 127.0.0.1. The agent must DHCP, look the node up, heartbeat, then take commands through a
// forwarded port: write a qcow2 whole-disk image to one virtio disk, a BIOS partition image to another, and
// power the VM off; the second disk must then boot (SeaBIOS → our GRUB → the image's /vmlinuz) to a marker.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDeployAgent } from '../../../src/agents/deploy/build.ts';
import {
  archiveSkipReason,
  rootSkipReason,
  runTool,
  SHARED_CACHE,
  scratch,
  toolSkipReason,
} from '../../imagebuilder/support/run.ts';
import { type FakeConductor, startFakeConductor } from './support/fake-conductor.ts';

/** Kept between runs: a second run serves the ramdisk from the image builder's cache. */
const CACHE = process.env['DEPLOY_AGENT_TEST_CACHE'] || '/var/tmp/tripleo-ts-deploy-agent-cache';
const MAC = '52:54:00:de:91:01';
const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'qemu-img', 'qemu-system-x86_64', 'zstd', 'mkfs.ext4', 'busybox') ??
  (existsSync(join(SHARED_CACHE, 'debootstrap')) ? undefined : await archiveSkipReason());

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

describe('deploy ramdisk under QEMU', { skip, timeout: 15 * 60_000 }, () => {
  let dir = '';
  let conductor: FakeConductor;
  before(() => {
    dir = scratch('deploy-ramdisk');
    mkdirSync(CACHE, { recursive: true });
  });
  after(async () => {
    await conductor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds, boots, looks up, heartbeats, writes an image to its disk and powers off', async (t) => {
    // at a fixed path: the bundle's path is a DIB_* setting, part of the cache key (its content is too)
    const bundle = await buildDeployAgent(join(CACHE, 'agent'));
    const out = join(dir, 'deploy');
    const t0 = Date.now();
    const b = await runTool('ramdisk-image-create', ['-o', out, 'debian', 'deploy-agent'], {
      DIB_IMAGE_CACHE: CACHE,
      DIB_DEBOOTSTRAP_CACHE: join(SHARED_CACHE, 'debootstrap'),
      DIB_DEPLOY_AGENT_BUNDLE: bundle,
      TMP_DIR: join(dir, 'tmp'),
    });
    assert.equal(b.code, 0, b.out.slice(-4000));
    const size = statSync(`${out}.initramfs`).size;
    t.diagnostic(
      `build ${((Date.now() - t0) / 1000).toFixed(1)} s (${/cache: (\w[\w-]*)/.exec(b.out)?.[1] ?? '?'}), ` +
        `initramfs ${(size / 1048576).toFixed(1)} MiB, kernel ${(statSync(`${out}.kernel`).size / 1048576).toFixed(1)} MiB`,
    );
    assert.ok(size < 64 * 1048576, 'the initramfs stays under 64 MiB');

    conductor = await startFakeConductor({ macs: [MAC], heartbeatTimeout: 6 });
    const port = Number(new URL(conductor.url).port);
    // the image: 4 MiB of random data and text as compressed qcow2, served by the fake conductor
    const raw = Buffer.alloc(4 * 1048576);
    randomBytes(1048576).copy(raw, 512);
    raw.fill('deployed by the ramdisk ', 2 * 1048576, 3 * 1048576);
    writeFileSync(join(dir, 'img.raw'), raw);
    const conv = await runTool('/usr/bin/qemu-img', [
      'convert',
      '-f',
      'raw',
      '-O',
      'qcow2',
      '-c',
      join(dir, 'img.raw'),
      join(dir, 'img.qcow2'),
    ]);
    assert.equal(conv.code, 0, conv.out);
    const qcow = readFileSync(join(dir, 'img.qcow2'));
    conductor.images.set('img.qcow2', qcow);
    const diskFile = join(dir, 'node-disk.qcow2');
    const bootDisk = join(dir, 'node-disk2.qcow2');
    assert.equal((await runTool('/usr/bin/qemu-img', ['create', '-f', 'qcow2', diskFile, '64M'])).code, 0);
    assert.equal((await runTool('/usr/bin/qemu-img', ['create', '-f', 'qcow2', bootDisk, '48M'])).code, 0);
    // a partition image whose root has /vmlinuz (the ramdisk's kernel) and /initrd.img (busybox printing a marker)
    const tree = join(dir, 'part-root');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    const initrdTree = join(dir, 'initrd-tree');
    mkdirSync(join(initrdTree, 'bin'), { recursive: true });
    spawnSync('cp', [
      spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim(),
      join(initrdTree, 'bin', 'busybox'),
    ]);
    writeFileSync(
      join(initrdTree, 'init'),
      '#!/bin/busybox sh\n/bin/busybox echo TRIPLEO-TS-PARTITION-BOOTED\n/bin/busybox poweroff -f\n',
      { mode: 0o755 },
    );
    const cpio = spawnSync('sh', [
      '-c',
      `cd '${initrdTree}' && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > '${join(tree, 'initrd.img')}'`,
    ]);
    assert.equal(cpio.status, 0);
    spawnSync('cp', [`${out}.kernel`, join(tree, 'vmlinuz')]);
    const part = join(dir, 'part.ext4');
    const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'part-root', '-d', tree, part, '16M'], {
      encoding: 'utf8',
    });
    assert.equal(mk.status, 0, mk.stderr);
    const partImage = readFileSync(part);
    conductor.images.set('part.ext4', partImage);

    const agentPort = await freePort();
    const started = Date.now();
    let console_ = '';
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-m',
        '768',
        '-display',
        'none',
        '-monitor',
        'none',
        '-no-reboot',
        '-nodefaults',
        '-serial',
        'stdio',
        '-kernel',
        `${out}.kernel`,
        '-initrd',
        `${out}.initramfs`,
        '-append',
        `console=ttyS0 panic=-1 quiet ipa-api-url=http://10.0.2.100:80 BOOTIF=${MAC} ipa-lookup-interval=1`,
        '-netdev',
        `user,id=n0,restrict=on,ipv6=off,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 ${port},hostfwd=tcp:127.0.0.1:${agentPort}-:9999`,
        '-device',
        `virtio-net-pci,netdev=n0,mac=${MAC}`,
        '-drive',
        `file=${diskFile},if=virtio,format=qcow2`,
        '-drive',
        `file=${bootDisk},if=virtio,format=qcow2`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((ok) => qemu.on('close', (c) => ok(c)));
    qemu.stdout.on('data', (d: Buffer) => (console_ += d.toString()));
    qemu.stderr.on('data', (d: Buffer) => (console_ += d.toString()));
    const killer = setTimeout(() => qemu.kill('SIGKILL'), 240_000);
    try {
      const first = await Promise.race([conductor.heartbeat(1), exited.then(() => undefined)]);
      assert.ok(first, `no heartbeat before QEMU exited:\n${console_.slice(-3000)}`);
      const beat = (Date.now() - started) / 1000;
      t.diagnostic(`QEMU start → first heartbeat: ${beat.toFixed(1)} s`);
      for (const l of console_
        .split('\n')
        .filter((x) => /ramdisk: init started|deploy-agent/.test(x))
        .slice(0, 6))
        t.diagnostic(`console: ${l.trim()}`);
      assert.equal(conductor.lookups[0]?.query.get('addresses'), MAC);
      assert.equal(first.body['agent_token'], conductor.token);
      assert.match(String(first.body['callback_url']), /^http:\/\/10\.0\.2\.15:9999$/);

      const base = `http://127.0.0.1:${agentPort}/v1/commands/?agent_token=${conductor.token}`;
      const post = async (name: string, params: Record<string, unknown>) => {
        const r = await fetch(`${base}&wait=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, params }),
        });
        return (await r.json()) as Record<string, unknown>;
      };
      const inv = await post('system.get_inventory', {});
      const disks = (inv['command_result'] as { inventory: { disks: Array<{ name: string; size: number }> } })
        .inventory.disks;
      assert.deepEqual(
        disks.map((d) => [d.name, d.size]),
        [
          ['/dev/vda', 64 * 1048576],
          ['/dev/vdb', 48 * 1048576],
        ],
      );
      const w0 = Date.now();
      const wrote = await post('standby.prepare_image', {
        image_info: {
          id: 'img',
          urls: ['http://10.0.2.100:80/images/img.qcow2'],
          disk_format: 'qcow2',
          os_hash_algo: 'sha256',
          os_hash_value: createHash('sha256').update(qcow).digest('hex'),
          image_request_headers: { 'X-Auth-Token': conductor.imageToken },
        },
      });
      assert.equal(
        wrote['command_status'],
        'SUCCEEDED',
        `${JSON.stringify(wrote)}\n${console_.slice(-2000)}`,
      );
      t.diagnostic(
        `prepare_image (4 MiB qcow2, 64 MiB disk) in the guest: ${((Date.now() - w0) / 1000).toFixed(1)} s`,
      );
      const parted = await post('standby.prepare_image', {
        image_info: {
          id: 'part',
          urls: ['http://10.0.2.100:80/images/part.ext4'],
          disk_format: 'raw',
          image_type: 'partition',
          root_mb: 24,
          swap_mb: 4,
          deploy_boot_mode: 'bios',
          checksum: createHash('md5').update(partImage).digest('hex'),
          image_request_headers: { 'X-Auth-Token': conductor.imageToken },
        },
        configdrive: randomBytes(20_000).toString('base64'),
        // the root device hints, as the conductor passes the node (properties.root_device)
        node: { properties: { root_device: { name: '/dev/vdb' } } },
      });
      assert.equal(
        parted['command_status'],
        'SUCCEEDED',
        `${JSON.stringify(parted)}\n${console_.slice(-2000)}`,
      );
      assert.match(
        String((parted['command_result'] as { result: string }).result),
        /written to device \/dev\/vdb/,
      );
      assert.match(console_, /boot: GRUB \(i386-pc\) core\.img at sector 1/);
      const bl = await post('image.install_bootloader', { root_uuid: 'x', target_boot_mode: 'bios' });
      assert.equal(bl['command_status'], 'SUCCEEDED', JSON.stringify(bl));
      const off = await post('standby.power_off', {});
      assert.equal(off['command_status'], 'SUCCEEDED');
      const code = await exited;
      assert.equal(code, 0, 'the guest powered itself off');
    } finally {
      clearTimeout(killer);
      qemu.kill('SIGKILL');
    }
    const back = join(dir, 'back.raw');
    assert.equal((await runTool('/usr/bin/qemu-img', ['convert', '-O', 'raw', diskFile, back])).code, 0);
    const disk = readFileSync(back);
    assert.ok(disk.subarray(0, raw.length).equals(raw), 'the disk holds the image');
    assert.ok(disk.subarray(raw.length).every((x) => x === 0));

    // the partition-image disk boots on its own: SeaBIOS → GRUB in the MBR gap → /vmlinuz + /initrd.img
    const b0 = Date.now();
    let bootLog = '';
    const vm = spawn(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-m',
        '256',
        '-display',
        'none',
        '-monitor',
        'none',
        '-no-reboot',
        '-nodefaults',
        '-serial',
        'stdio',
        '-drive',
        `file=${bootDisk},if=virtio,format=qcow2,snapshot=on`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const vmDone = new Promise<void>((ok) => vm.on('close', () => ok()));
    vm.stdout.on('data', (d: Buffer) => {
      bootLog += d.toString();
      if (bootLog.includes('TRIPLEO-TS-PARTITION-BOOTED')) vm.kill('SIGKILL');
    });
    vm.stderr.on('data', (d: Buffer) => (bootLog += d.toString()));
    const vmKiller = setTimeout(() => vm.kill('SIGKILL'), 180_000);
    await vmDone;
    clearTimeout(vmKiller);
    assert.match(bootLog, /TRIPLEO-TS-PARTITION-BOOTED/, bootLog.slice(-3000));
    assert.match(bootLog, /root=UUID=[0-9a-f-]{36}/, 'GRUB passed the root filesystem UUID');
    t.diagnostic(`partition-image disk: QEMU start → marker ${((Date.now() - b0) / 1000).toFixed(1)} s`);
  });
});
