// The erase steps on a small file disk: metadata erase finds partitions from the table it reads; a full
// erase overwrites everything (random passes, then zeros unless told not to).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eraseFull, eraseMetadata } from '../../../src/agents/deploy/erase.ts';
import { openFileDevice } from '../../../src/agents/deploy/machine.ts';
import { encodeMbr, planLayout } from '../../../src/agents/deploy/partition-layout.ts';

const MiB = 1024 * 1024;

describe('erase steps on a file disk', () => {
  let dir = '';
  const file = () => join(dir, 'disk.img');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-erase-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('erase_devices_metadata: both ends of the disk and of each partition in its table, nothing else', async () => {
    const size = 16 * MiB;
    const disk = Buffer.alloc(size, 0xab);
    const layout = planLayout({
      diskBytes: size,
      rootMb: 6,
      swapMb: 4,
      ephemeralMb: 0,
      configdriveBytes: 0,
      bootMode: 'bios',
    });
    Buffer.from(encodeMbr(layout, 1)).copy(disk);
    writeFileSync(file(), disk);
    const dev = await openFileDevice(file(), size, true);
    await eraseMetadata(dev);
    await dev.close();
    const after = readFileSync(file());
    const zero = (a: number, b: number) => after.subarray(a, b).every((x) => x === 0);
    const kept = (a: number, b: number) => after.subarray(a, b).every((x) => x === 0xab);
    // swap 1..5 MiB, root 5..11 MiB: zeroed 0-2, 4-6, 10-11, 15-16 MiB
    assert.ok(
      zero(0, 2 * MiB) && zero(4 * MiB, 6 * MiB) && zero(10 * MiB, 11 * MiB) && zero(15 * MiB, 16 * MiB),
    );
    assert.ok(kept(2 * MiB, 4 * MiB) && kept(6 * MiB, 10 * MiB) && kept(11 * MiB, 15 * MiB));
  });

  for (const zeroize of [true, false])
    it(`erase_devices: one random pass${zeroize ? ' then zeros' : ', no zeros'}`, async () => {
      const size = 6 * MiB + 512;
      writeFileSync(file(), Buffer.alloc(size, 0xab));
      const dev = await openFileDevice(file(), size, true);
      await eraseFull(dev, { iterations: 1, zeroize, signal: new AbortController().signal });
      await dev.close();
      const after = readFileSync(file());
      assert.equal(after.length, size);
      if (zeroize) assert.ok(after.every((x) => x === 0));
      else {
        assert.ok(
          !after.some((_, i) => i % 4096 === 0 && after.subarray(i, i + 64).every((x) => x === 0xab)),
          'no old block left',
        );
        assert.ok(!after.subarray(0, MiB).every((x) => x === 0));
      }
    });
});
