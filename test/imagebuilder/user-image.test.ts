// The lab's user image (elements/user-image): `ooo image build debian vm user-image` makes a small Debian disk
// that boots from its own disk under QEMU TCG to the marker line, with our os-collect-config running in it
// and no Python (no cloud-init). A second build of the same inputs comes from the image builder's cache.
// The cache is kept between runs (like the debootstrap base of real.test.ts), so only the first run on a
// machine pays for the cold build.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootUntil } from './support/qemu.ts';
import { archiveSkipReason, buildCached, rootSkipReason, scratch, toolSkipReason } from './support/run.ts';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const skip =
  rootSkipReason() ??
  toolSkipReason('debootstrap', 'qemu-img', 'qemu-system-x86_64', 'zstd', 'mkfs.ext4') ??
  (await archiveSkipReason());

describe('the user image', { skip }, () => {
  let dir = '';
  before(() => {
    dir = scratch('user');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds (then again from the cache) and boots from disk to the marker with os-collect-config', async (t) => {
    const out = join(dir, 'user');
    // -u: qcow2 compression only costs time here
    const args = ['-u', '-o', out, 'debian', 'vm', 'user-image'];
    const first = await buildCached(dir, 'user-image', args);
    assert.equal(first.code, 0, first.out.slice(-4000));
    const done = (o: string) => /Build completed successfully in .*/.exec(o)?.[0] ?? '';
    t.diagnostic(`first build: ${done(first.out)}`);
    const image = sha(`${out}.qcow2`);
    t.diagnostic(`qcow2 (uncompressed): ${(statSync(`${out}.qcow2`).size / 2 ** 20).toFixed(0)} MiB`);

    const second = await buildCached(dir, 'user-image', args);
    assert.equal(second.code, 0, second.out.slice(-4000));
    t.diagnostic(`second build: ${done(second.out)}`);
    assert.match(second.out, /Build completed successfully in [0-9.]+ s \(cache: outputs\)/);
    assert.equal(sha(`${out}.qcow2`), image, 'the second build is the cached image');

    const boot = await bootUntil(
      ['-m', '512', '-snapshot', '-drive', `file=${out}.qcow2,if=virtio`],
      /TRIPLEO-TS-USER-IMAGE up debian=12\S* kernel=\S+ root=\/dev\/vda1 occ=\d+\.\d+\.\d+ python3=none\b/,
      300,
    );
    t.diagnostic(`disk boot to marker: ${boot.seconds.toFixed(1)} s`);
    assert.ok(boot.found, boot.console.slice(-3000));
    assert.match(boot.console, /Started .*os-collect-config/);
    assert.match(boot.console, /Started .*systemd-networkd/);
  });
});
