// The user image's instance-init (elements/user-image, src/agents/config/instance-init.ts) at boot: with a
// config drive (ISO 9660 labelled config-2, as the compute service builds it) it installs the metadata's
// public key into root's authorized_keys and runs the `#!` user data, whose output reaches the serial console.
// The image comes from the builder's cache shared with user-image.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootUntil } from './support/qemu.ts';
import { archiveSkipReason, buildCached, rootSkipReason, scratch, toolSkipReason } from './support/run.ts';

const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'qemu-img', 'qemu-system-x86_64', 'zstd', 'mkfs.ext4', 'xorriso') ??
  (await archiveSkipReason());

describe('the user image runs instance-init', { skip }, () => {
  let dir = '';
  before(() => {
    dir = scratch('user-init');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("installs the config drive's key for root and runs the user data script once", async (t) => {
    const out = join(dir, 'user');
    const build = await buildCached(dir, 'user-image', ['-u', '-o', out, 'debian', 'vm', 'user-image']);
    assert.equal(build.code, 0, build.out.slice(-4000));
    t.diagnostic(/Build completed successfully in .*/.exec(build.out)?.[0] ?? '');

    const tree = join(dir, 'cd', 'openstack', 'latest');
    mkdirSync(tree, { recursive: true });
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGluc3RhbmNlLWluaXQtdGVzdC1rZXktMDEyMzQ1Njc4OQ test@lab';
    const uuid = '6c1f3a52-0d3e-4d4f-9a55-2f4c7d0e9b11';
    writeFileSync(join(tree, 'meta_data.json'), JSON.stringify({ uuid, public_keys: { k1: key } }));
    // The script shows what instance-init left for it: root's authorized_keys.
    writeFileSync(
      join(tree, 'user_data'),
      '#!/bin/sh\necho "USER-DATA-MARKER ran as $(id -un): $(cat /root/.ssh/authorized_keys)" > /dev/ttyS0\n',
    );
    const iso = join(dir, 'config-2.iso');
    execFileSync('xorriso', [
      '-as',
      'genisoimage',
      '-quiet',
      '-o',
      iso,
      '-V',
      'config-2',
      '-J',
      '-r',
      join(dir, 'cd'),
    ]);

    const boot = await bootUntil(
      [
        '-m',
        '512',
        '-snapshot',
        '-drive',
        `file=${out}.qcow2,if=virtio`,
        '-drive',
        `file=${iso},if=virtio,format=raw,readonly=on`,
      ],
      /USER-DATA-MARKER ran as root: .*test@lab/,
      400,
    );
    t.diagnostic(`boot to the user data marker: ${boot.seconds.toFixed(1)} s`);
    assert.ok(boot.found, boot.console.slice(-3000));
    assert.ok(boot.console.includes(`USER-DATA-MARKER ran as root: ${key}`), boot.console.slice(-3000));
    assert.match(
      boot.console,
      new RegExp(`instance-init: instance ${uuid} from the config drive /dev/vdb: 1 key`),
    );
  });
});
