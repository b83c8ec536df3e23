// Partition layout and partition-table bytes as pure functions; the metadata-erase ranges.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { placeGrub } from '../../../src/agents/deploy/bootloader.ts';
import { metadataRanges } from '../../../src/agents/deploy/erase.ts';
import {
  crc32,
  encodeGpt,
  encodeMbr,
  gptAddPartition,
  guidBytes,
  guidText,
  type LayoutRequest,
  planLayout,
  readPartitionTable,
} from '../../../src/agents/deploy/partition-layout.ts';

const MiB = 1024 * 1024;
const S = 2048; // sectors per MiB
const base: LayoutRequest = {
  diskBytes: 1024 * MiB,
  rootMb: 0,
  swapMb: 0,
  ephemeralMb: 0,
  configdriveBytes: 0,
  bootMode: 'bios',
};

describe('planLayout', () => {
  const cases: Array<{
    name: string;
    req: Partial<LayoutRequest>;
    label: string;
    parts: Array<[string, number, number]>;
  }> = [
    { name: 'root only, rest of the disk', req: {}, label: 'msdos', parts: [['root', S, 1023 * S]] },
    { name: 'root of 100 MiB', req: { rootMb: 100 }, label: 'msdos', parts: [['root', S, 100 * S]] },
    {
      name: 'ephemeral, swap, config drive, root last',
      req: { rootMb: 200, swapMb: 64, ephemeralMb: 128, configdriveBytes: 300_000 },
      label: 'msdos',
      parts: [
        ['ephemeral', S, 128 * S],
        ['swap', 129 * S, 64 * S],
        ['configdrive', 193 * S, S],
        ['root', 194 * S, 200 * S],
      ],
    },
    {
      name: 'uefi: gpt with a 200 MiB ESP first',
      req: { bootMode: 'uefi', rootMb: 100 },
      label: 'gpt',
      parts: [
        ['efi', S, 200 * S],
        ['root', 201 * S, 100 * S],
      ],
    },
    {
      name: 'bios + gpt: a 1 MiB bios_grub partition; root stops before the backup GPT',
      req: { diskLabel: 'gpt' },
      label: 'gpt',
      parts: [
        ['bios_grub', S, S],
        ['root', 2 * S, 1021 * S],
      ],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const l = planLayout({ ...base, ...c.req });
      assert.equal(l.label, c.label);
      assert.deepEqual(
        l.partitions.map((p) => [p.role, p.start, p.sectors]),
        c.parts,
      );
      l.partitions.forEach((p, i) => {
        assert.equal(p.number, i + 1);
        assert.ok(p.start + p.sectors <= l.diskSectors);
      });
    });
  const bad: Array<[string, Partial<LayoutRequest>, RegExp]> = [
    ['root bigger than the disk', { rootMb: 2000 }, /too small/],
    ['config drive over 64 MiB', { configdriveBytes: 65 * MiB }, /larger than 64 MiB/],
  ];
  for (const [name, req, re] of bad)
    it(`refuses: ${name}`, () => assert.throws(() => planLayout({ ...base, ...req }), re));
  it('refuses: more than 4 primaries on MBR', () => {
    // uefi + msdos: efi, ephemeral, swap, config drive, root = 5
    assert.throws(
      () =>
        planLayout({
          ...base,
          bootMode: 'uefi',
          diskLabel: 'msdos',
          swapMb: 1,
          ephemeralMb: 1,
          configdriveBytes: 1,
          rootMb: 1,
        }),
      /do not fit an MBR/,
    );
  });
});

describe('partition table bytes', () => {
  const layout = planLayout({ ...base, rootMb: 200, swapMb: 64, ephemeralMb: 128, configdriveBytes: 1000 });
  it('MBR round-trips and marks root active', () => {
    const mbr = encodeMbr(layout, 0x1a2b3c4d);
    const t = readPartitionTable(mbr);
    assert.equal(t.label, 'msdos');
    assert.deepEqual(
      t.parts.map((p) => [p.number, p.start, p.sectors, p.type, p.uuid]),
      [
        [1, S, 128 * S, '0x83', '1a2b3c4d-01'],
        [2, 129 * S, 64 * S, '0x82', '1a2b3c4d-02'],
        [3, 193 * S, S, '0x83', '1a2b3c4d-03'],
        [4, 194 * S, 200 * S, '0x83', '1a2b3c4d-04'],
      ],
    );
    assert.equal(mbr[446 + 3 * 16], 0x80);
    assert.equal(mbr[446], 0);
  });
  it('GPT round-trips with valid CRCs', () => {
    const g = planLayout({ ...base, bootMode: 'uefi', rootMb: 100, swapMb: 8 });
    const guids = g.partitions.map((_, i) => `00000000-0000-4000-8000-00000000000${i}`);
    const writes = encodeGpt(g, '11111111-2222-4333-8444-555555555555', guids);
    const disk = new Uint8Array(base.diskBytes);
    for (const w of writes) disk.set(w.data, w.offset);
    const t = readPartitionTable(disk.subarray(0, 34 * 512));
    assert.equal(t.label, 'gpt');
    assert.deepEqual(
      t.parts.map((p) => [p.number, p.start, p.sectors, p.uuid]),
      g.partitions.map((p, i) => [p.number, p.start, p.sectors, guids[i]]),
    );
    // header CRC (computed with the CRC field zeroed) and entries CRC
    const hdr = disk.slice(512, 512 + 92);
    const dv = new DataView(hdr.buffer);
    const want = dv.getUint32(16, true);
    dv.setUint32(16, 0, true);
    assert.equal(crc32(hdr), want);
    assert.equal(
      new DataView(disk.buffer).getUint32(512 + 88, true),
      crc32(disk.subarray(1024, 1024 + 128 * 128)),
    );
    // the backup header sits in the last sector and points back to LBA 1
    const last = base.diskBytes / 512 - 1;
    assert.equal(new DataView(disk.buffer).getBigUint64(last * 512 + 24, true), BigInt(last));
    assert.equal(new DataView(disk.buffer).getBigUint64(last * 512 + 32, true), 1n);
  });
  it('crc32 of a known string', () => assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926));
  it('GUIDs are stored mixed-endian', () => {
    const g = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
    assert.deepEqual([...guidBytes(g).subarray(0, 4)], [0x28, 0x73, 0x2a, 0xc1]);
    assert.equal(guidText(guidBytes(g)), g);
  });
  const haveSfdisk = spawnSync('sh', ['-c', 'command -v sfdisk']).status === 0;
  it('the kernel tools read our tables (sfdisk)', {
    skip: haveSfdisk ? false : 'sfdisk is not installed',
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-layout-'));
    try {
      const g = planLayout({ ...base, diskLabel: 'gpt', rootMb: 100, swapMb: 8 });
      const disk = new Uint8Array(base.diskBytes);
      for (const w of encodeGpt(
        g,
        '11111111-2222-4333-8444-555555555555',
        g.partitions.map(() => crypto.randomUUID()),
      ))
        disk.set(w.data, w.offset);
      writeFileSync(join(dir, 'gpt.img'), disk);
      const r = spawnSync('sfdisk', ['--json', join(dir, 'gpt.img')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /corrupt|invalid|mismatch/i);
      const parts = JSON.parse(r.stdout).partitiontable.partitions as Array<{ start: number; size: number }>;
      assert.deepEqual(
        parts.map((p) => [p.start, p.size]),
        g.partitions.map((p) => [p.start, p.sectors]),
      );
      const m = planLayout({ ...base, rootMb: 100, swapMb: 8 });
      writeFileSync(join(dir, 'mbr.img'), encodeMbr(m, 0x12345678));
      spawnSync('truncate', ['-s', String(base.diskBytes), join(dir, 'mbr.img')]);
      const r2 = spawnSync('sfdisk', ['--json', join(dir, 'mbr.img')], { encoding: 'utf8' });
      assert.equal(JSON.parse(r2.stdout).partitiontable.id, '0x12345678');
      // a GPT image extended by gptAddPartition on a bigger disk verifies clean
      const small = planLayout({ ...base, diskBytes: 8 * MiB, diskLabel: 'gpt' });
      const big = new Uint8Array(base.diskBytes);
      for (const w of encodeGpt(
        small,
        crypto.randomUUID(),
        small.partitions.map(() => crypto.randomUUID()),
      ))
        big.set(w.data, w.offset);
      const start = base.diskBytes / 512 - 34 - 64 * S;
      for (const w of gptAddPartition(big.subarray(0, 34 * 512), base.diskBytes / 512, {
        start,
        sectors: 64 * S,
        role: 'configdrive',
        guid: crypto.randomUUID(),
      }))
        big.set(w.data, w.offset);
      writeFileSync(join(dir, 'ext.img'), big);
      const v = spawnSync('sfdisk', ['--verify', join(dir, 'ext.img')], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.doesNotMatch(v.stdout + v.stderr, /corrupt|invalid|mismatch|problem/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gptAddPartition (config drive after a GPT whole-disk image)', () => {
  const image = planLayout({ ...base, diskBytes: 8 * MiB, diskLabel: 'gpt' });
  const disk = () => {
    const d = new Uint8Array(64 * MiB);
    for (const w of encodeGpt(
      image,
      '11111111-2222-4333-8444-555555555555',
      image.partitions.map(() => crypto.randomUUID()),
    ))
      d.set(w.data, w.offset);
    return d;
  };
  const sectors = (64 * MiB) / 512;
  it('adds the entry, moves the backup to the end of the disk, keeps CRCs valid', () => {
    const d = disk();
    const start = sectors - 34 - 16 * S;
    const writes = gptAddPartition(d.subarray(0, 34 * 512), sectors, {
      start,
      sectors: 16 * S,
      role: 'configdrive',
      guid: '00000000-0000-4000-8000-0000000000cd',
    });
    for (const w of writes) d.set(w.data, w.offset);
    const t = readPartitionTable(d.subarray(0, 34 * 512));
    assert.deepEqual(
      t.parts.map((p) => [p.number, p.start, p.sectors]),
      [...image.partitions.map((p) => [p.number, p.start, p.sectors]), [3, start, 16 * S]],
    );
    const hdr = d.slice(512, 512 + 92);
    const dv = new DataView(hdr.buffer);
    const want = dv.getUint32(16, true);
    dv.setUint32(16, 0, true);
    assert.equal(crc32(hdr), want);
    assert.equal(dv.getBigUint64(32, true), BigInt(sectors - 1), 'alternate header at the last sector');
    assert.equal(
      new TextDecoder().decode(d.subarray((sectors - 1) * 512, (sectors - 1) * 512 + 8)),
      'EFI PART',
    );
  });
  it('refuses when an existing partition reaches the new one, or there is no GPT', () => {
    const d = disk();
    assert.throws(
      () =>
        gptAddPartition(d.subarray(0, 34 * 512), sectors, {
          start: 4 * S,
          sectors: S,
          role: 'configdrive',
          guid: crypto.randomUUID(),
        }),
      /no room/,
    );
    assert.throws(
      () =>
        gptAddPartition(new Uint8Array(34 * 512), sectors, {
          start: 40 * S,
          sectors: S,
          role: 'configdrive',
          guid: crypto.randomUUID(),
        }),
      /no GPT/,
    );
  });
});

describe('metadataRanges', () => {
  const cases: Array<[string, number, Array<{ start: number; sectors: number }>, Array<[number, number]>]> = [
    [
      'blank disk: both ends',
      100 * MiB,
      [],
      [
        [0, MiB],
        [99 * MiB, 100 * MiB],
      ],
    ],
    ['tiny disk: one range', MiB + 512, [], [[0, MiB + 512]]],
    [
      'partitions: each end of each, merged where they touch',
      100 * MiB,
      [
        { start: S, sectors: 10 * S },
        { start: 11 * S, sectors: 89 * S },
      ],
      [
        [0, 2 * MiB],
        [10 * MiB, 12 * MiB],
        [99 * MiB, 100 * MiB],
      ],
    ],
  ];
  for (const [name, size, parts, want] of cases)
    it(name, () => assert.deepEqual(metadataRanges(size, parts), want));
});

describe('GRUB placement', () => {
  it('boot.img points at core.img, core.img at its second sector', () => {
    const boot = new Uint8Array(512).fill(0x11);
    const core = new Uint8Array(2048).fill(0x22);
    const { code, core: c } = placeGrub(boot, core, 2048);
    assert.equal(code.length, 440);
    assert.equal(new DataView(code.buffer).getBigUint64(0x5c, true), 2048n);
    assert.equal(new DataView(c.buffer).getBigUint64(0x1f4, true), 2049n);
    assert.equal(boot[0x5c], 0x11, 'the originals are not modified');
  });
});
