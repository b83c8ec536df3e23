// The partition-image variant of the lab's user image: `ooo image build debian baremetal user-image` makes a
// bare root filesystem (no partition table, no boot loader) with the kernel and initrd beside it, what
// `ooo image load` uploads for partition deploys. It boots under QEMU TCG with -kernel/-initrd and the
// filesystem as the whole virtio disk, to the same marker. The image builder's cache is kept between runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootUntil } from './support/qemu.ts';
import { archiveSkipReason, buildCached, rootSkipReason, scratch, toolSkipReason } from './support/run.ts';

const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'qemu-img', 'qemu-system-x86_64', 'zstd', 'mkfs.ext4') ??
  (await archiveSkipReason());

describe('the user image as a partition image', { skip }, () => {
  let dir = '';
  before(() => {
    dir = scratch('userpart');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a root filesystem + kernel + initrd that boot to the marker', async (t) => {
    const out = join(dir, 'user-part');
    const r = await buildCached(dir, 'user-image', ['-u', '-o', out, 'debian', 'baremetal', 'user-image']);
    assert.equal(r.code, 0, r.out.slice(-4000));
    t.diagnostic(/Build completed successfully in .*/.exec(r.out)?.[0] ?? '');
    for (const ext of ['qcow2', 'vmlinuz', 'initrd'])
      assert.ok(statSync(`${out}.${ext}`).size > 1_000_000, ext);
    // The disk starts with an ext4 superblock (magic 0xEF53 at byte 1080), not a partition table.
    const head = join(dir, 'head.raw');
    const dd = spawnSync('qemu-img', [
      'dd',
      '-O',
      'raw',
      'bs=2048',
      'count=1',
      `if=${out}.qcow2`,
      `of=${head}`,
    ]);
    assert.equal(dd.status, 0, dd.stderr?.toString());
    assert.equal(readFileSync(head).readUInt16LE(1080), 0xef53);

    const boot = await bootUntil(
      [
        '-m',
        '512',
        '-snapshot',
        '-drive',
        `file=${out}.qcow2,if=virtio`,
        '-kernel',
        `${out}.vmlinuz`,
        '-initrd',
        `${out}.initrd`,
        '-append',
        'root=/dev/vda ro console=ttyS0,115200',
      ],
      /TRIPLEO-TS-USER-IMAGE up debian=12\S* kernel=\S+ root=\/dev\/vda occ=\d+\.\d+\.\d+ python3=none\b/,
      300,
    );
    t.diagnostic(`boot to marker: ${boot.seconds.toFixed(1)} s`);
    assert.ok(boot.found, boot.console.slice(-3000));
  });
});
