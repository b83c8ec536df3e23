// Real builds from the Debian archive: a vm + baremetal disk image that boots under QEMU to a marker, a
// deploy ramdisk that boots with -kernel/-initrd, and a warm rebuild served from the cache. Only the
// debootstrap base is shared between runs; everything else is built from scratch each time.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootUntil } from './support/qemu.ts';
import {
  archiveSkipReason,
  rootSkipReason,
  runTool,
  SHARED_CACHE,
  scratch,
  TEST_ELEMENTS,
  toolSkipReason,
} from './support/run.ts';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'qemu-img', 'qemu-system-x86_64', 'zstd', 'mkfs.ext4') ??
  (await archiveSkipReason());

describe('real Debian builds', { skip, concurrency: true }, () => {
  let dir = '';
  const env = () => ({
    ELEMENTS_PATH: TEST_ELEMENTS,
    DIB_IMAGE_CACHE: join(dir, 'cache'),
    DIB_DEBOOTSTRAP_CACHE: join(SHARED_CACHE, 'debootstrap'),
    TMP_DIR: join(dir, 'tmp'),
  });
  before(() => {
    dir = scratch('real');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('vm + baremetal: a qcow2 that boots to the marker, kernel/initrd and manifests beside it; warm rebuild from cache', async (t) => {
    const out = join(dir, 'vm', 'overcloud');
    // -u: skip qcow2 compression, which only costs time here
    const args = ['-u', '-o', out, 'debian', 'vm', 'baremetal', 'boot-marker'];
    const cold = await runTool('disk-image-create', args, env());
    assert.equal(cold.code, 0, cold.out.slice(-4000));
    t.diagnostic(
      cold.out
        .split('\n')
        .filter((l) => /Build completed/.test(l))
        .join(' '),
    );
    for (const ext of ['qcow2', 'vmlinuz', 'initrd'])
      assert.ok(statSync(`${out}.${ext}`).size > 1_000_000, ext);
    assert.match(readFileSync(`${out}.d/dib-manifests/dib_arguments`, 'utf8'), /'debian' 'vm' 'baremetal'/);
    assert.match(
      readFileSync(`${out}.d/dib-manifests/dib_environment`, 'utf8'),
      /declare -x DIB_IMAGE_CACHE=/,
    );
    // the per-script timing table closes the output
    assert.match(
      cold.out,
      /PROFILING[\s\S]*install\.d\/01-package-installs[\s\S]*builder\/qcow2[\s\S]*END PROFILING/,
    );

    const boot = await bootUntil(
      ['-m', '1024', '-drive', `file=${out}.qcow2,if=virtio,snapshot=on`],
      /TRIPLEO-TS-BOOTED debian=\S+ kernel=\S+ root=\/dev\/vda1/,
      420,
    );
    t.diagnostic(`disk boot to marker: ${boot.seconds.toFixed(1)} s`);
    assert.ok(boot.found, boot.console.slice(-3000));

    const before = sha(`${out}.qcow2`);
    const warm = await runTool('disk-image-create', args, env());
    assert.equal(warm.code, 0, warm.out);
    assert.match(warm.out, /Build completed successfully in [0-9.]+ s \(cache: outputs\)/);
    assert.equal(sha(`${out}.qcow2`), before, 'the cached image is the one that booted');
    assert.ok(existsSync(`${out}.vmlinuz`) && existsSync(`${out}.d/dib-manifests/dib_arguments`));
  });

  it('ramdisk: initramfs + kernel that boot with -kernel/-initrd and print the marker', async (t) => {
    const out = join(dir, 'rd', 'deploy');
    const r = await runTool('ramdisk-image-create', ['-o', out, 'debian', 'ramdisk-marker'], env());
    assert.equal(r.code, 0, r.out.slice(-4000));
    t.diagnostic(
      r.out
        .split('\n')
        .filter((l) => /ramdisk: .* initramfs|Build completed/.test(l))
        .join(' '),
    );
    assert.equal(existsSync(`${out}.qcow2`), false, 'no disk image in ramdisk mode');
    assert.ok(statSync(`${out}.initramfs`).size < 8_000_000, 'the initramfs stays small');
    const boot = await bootUntil(
      [
        '-m',
        '512',
        '-kernel',
        `${out}.kernel`,
        '-initrd',
        `${out}.initramfs`,
        '-append',
        'console=ttyS0 panic=-1 quiet',
      ],
      /TRIPLEO-TS-RAMDISK kernel=\S+/,
      180,
    );
    t.diagnostic(`ramdisk boot to marker: ${boot.seconds.toFixed(1)} s`);
    assert.ok(boot.found, boot.console.slice(-3000));
    assert.match(boot.console, /ramdisk: init started/);
  });
});
