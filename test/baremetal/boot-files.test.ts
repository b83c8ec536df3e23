// The files the conductor serves to network-booting nodes: per-MAC scripts by their iPXE name only, the
// deploy kernel/ramdisk linked from a local path or fetched once from the image service (concurrent boots
// share the fetch; a checksum failure leaves nothing behind), and a node's files removed at clean-up.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { BootFiles, type ImageData } from '../../src/baremetal/drivers/boot-files.ts';
import type { Node } from '../../src/baremetal/model/node.ts';
import { testCtx } from '../lab/ipmi-sim-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'ooo-boot-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const UUID = '0f3d8c2e-5a8b-4c1e-9d7a-3b2c1d0e9f8a';
const node = (driver_info: Record<string, string>) => ({ uuid: UUID, driver_info }) as unknown as Node;

/** An image service that serves fixed bytes, or fails like a checksum mismatch, counting fetches. */
function images(data: Record<string, string>, bad = new Set<string>()) {
  const fetched: string[] = [];
  const svc: ImageData = {
    async save(_ctx, id, dest: Writable) {
      fetched.push(id);
      await new Promise<void>((ok, fail) => {
        dest.on('error', fail);
        dest.end(data[id] ?? '', () => ok());
      });
      if (bad.has(id)) throw new Error(`image ${id}: received data has md5 x, expected y`);
    },
  };
  return { svc, fetched };
}

describe('boot files', () => {
  const files = new BootFiles(join(dir, 'boot'));

  test('scripts are found by their iPXE name only', async () => {
    await files.writeScript('52:54:00:AB:CD:01', '#!ipxe\nexit 0\n');
    assert.equal(await files.script('52-54-00-ab-cd-01.ipxe'), '#!ipxe\nexit 0\n');
    for (const bad of [
      '52-54-00-ab-cd-02.ipxe',
      '../boot/52-54-00-ab-cd-01.ipxe',
      'images',
      '52:54:00:ab:cd:01',
    ])
      assert.equal(await files.script(bad), undefined, bad);
    await files.removeScript('52:54:00:ab:cd:01');
    assert.equal(await files.script('52-54-00-ab-cd-01.ipxe'), undefined);
  });

  test('a local path and an image ID are staged; the image is fetched once for concurrent boots', async () => {
    const kernel = join(dir, 'k');
    writeFileSync(kernel, 'KERNEL');
    const { svc, fetched } = images({ 'img-1': 'RAMDISK' });
    const n = node({ deploy_kernel: kernel, deploy_ramdisk: 'img-1' });
    await Promise.all([files.stage(testCtx(), n, svc), files.stage(testCtx(), n, svc)]);
    assert.deepEqual(fetched, ['img-1']);
    const k = await files.deployFile(UUID, 'deploy_kernel');
    const r = await files.deployFile(UUID, 'deploy_ramdisk');
    assert.equal(readFileSync(k!.path, 'utf8'), 'KERNEL');
    assert.equal(readFileSync(r!.path, 'utf8'), 'RAMDISK');
    assert.equal(r!.size, 7);
    assert.equal(await files.deployFile(UUID, 'deploy_other'), undefined);
    assert.equal(await files.deployFile('not-a-uuid', 'deploy_kernel'), undefined);
    await files.stage(testCtx(), n, svc);
    assert.deepEqual(fetched, ['img-1'], 'cached after the first fetch');
    await files.removeNode(UUID);
    assert.equal(await files.deployFile(UUID, 'deploy_kernel'), undefined);
  });

  test('a missing path or a failed image fetch is refused, and nothing half-fetched stays', async () => {
    const { svc } = images({ bad: 'XX' }, new Set(['bad']));
    await assert.rejects(
      files.stage(testCtx(), node({ deploy_kernel: join(dir, 'absent'), deploy_ramdisk: 'bad' }), svc),
      /is not a file on this conductor/,
    );
    await assert.rejects(
      files.stage(testCtx(), node({ deploy_kernel: 'bad', deploy_ramdisk: 'bad' }), svc),
      /md5/,
    );
    const again = images({ bad: 'GOOD' });
    await files.stage(testCtx(), node({ deploy_kernel: 'bad', deploy_ramdisk: 'bad' }), again.svc);
    assert.deepEqual(again.fetched, ['bad'], 'the failed copy was not kept');
    assert.equal(readFileSync((await files.deployFile(UUID, 'deploy_kernel'))!.path, 'utf8'), 'GOOD');
  });
});
