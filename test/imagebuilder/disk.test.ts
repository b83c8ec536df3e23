import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoSizeKiB, buildMbr, mkfsArgs, requestedSizeKiB } from '../../src/imagebuilder/disk.ts';
import { mountsUnder } from '../../src/imagebuilder/mounts.ts';
import { timingTable } from '../../src/imagebuilder/phases.ts';

describe('image sizing', () => {
  const cases: [number, string, number][] = [
    [600, 'ext4', 1000 + 65536 + 24], // 1000 KiB rounded up to 1024, plus the 64 MiB journal
    [600, 'ext2', 1024],
    [0, 'ext4', 65536],
  ];
  for (const [du, fs, want] of cases) it(`${du} KiB of ${fs}`, () => assert.equal(autoSizeKiB(du, fs), want));
  it('--image-size is GB rounded to 64 KiB', () => {
    assert.equal(requestedSizeKiB('2'), 2 * 1024 * 1024);
    assert.equal(requestedSizeKiB('0.001') % 64, 0);
  });
});

describe('mkfs arguments', () => {
  it('ext4 with label, uuid, resize and extra options', () => {
    assert.deepEqual(
      mkfsArgs(
        { fsType: 'ext4', label: 'root', uuid: 'u', extra: '-m 0', sizeKiB: 100, maxOnlineResize: '9' },
        '/tree',
        '/f',
      ),
      [
        '-F',
        '-q',
        '-t',
        'ext4',
        '-L',
        'root',
        '-i',
        '4096',
        '-J',
        'size=64',
        '-U',
        'u',
        '-E',
        'resize=9',
        '-m',
        '0',
        '-d',
        '/tree',
        '/f',
        '100k',
      ],
    );
  });
  it('filesystems that cannot be built from a directory are refused', () => {
    assert.throws(
      () => mkfsArgs({ fsType: 'xfs', label: 'r', extra: '', sizeKiB: 1 }, '/t', '/f'),
      /FS_TYPE=xfs is not supported/,
    );
  });
});

describe('MBR', () => {
  it('one bootable Linux partition with boot code and signature', () => {
    const boot = Buffer.alloc(512, 0xab);
    const mbr = buildMbr(boot, 2048, 4096, 0x12345678);
    assert.equal(mbr.length, 512);
    assert.equal(mbr[0], 0xab);
    assert.equal(mbr[439], 0xab);
    assert.equal(mbr.readUInt32LE(440), 0x12345678);
    assert.equal(mbr[446], 0x80);
    assert.equal(mbr[450], 0x83);
    assert.equal(mbr.readUInt32LE(454), 2048);
    assert.equal(mbr.readUInt32LE(458), 4096);
    assert.equal(mbr.readUInt16LE(510), 0xaa55);
    assert.equal(
      mbr.subarray(462, 510).every((b) => b === 0),
      true,
      'other partition entries empty',
    );
  });
  it('without boot code the code area is zero', () => {
    assert.equal(
      buildMbr(undefined, 2048, 1, 1)
        .subarray(0, 440)
        .every((b) => b === 0),
      true,
    );
  });
});

describe('mountsUnder', () => {
  const table = [
    'proc /proc proc rw 0 0',
    'none /tmp/b/mnt/proc proc rw 0 0',
    '/dev /tmp/b/mnt/dev devtmpfs rw 0 0',
    'devpts /tmp/b/mnt/dev/pts devpts rw 0 0',
    'x /tmp/b/mnt/with\\040space tmpfs rw 0 0',
    'y /tmp/bb/mnt tmpfs rw 0 0',
  ].join('\n');
  it('deepest first, escapes decoded, prefix-safe', () => {
    assert.deepEqual(mountsUnder('/tmp/b/', table), [
      '/tmp/b/mnt/with space',
      '/tmp/b/mnt/dev/pts',
      '/tmp/b/mnt/proc',
      '/tmp/b/mnt/dev',
    ]);
  });
});

describe('timing table', () => {
  it('lists every script and the total', () => {
    const t = timingTable([
      { phase: 'install.d', script: '10-a', seconds: 1.5 },
      { phase: 'builder', script: 'mkfs', seconds: 0.25 },
    ]);
    assert.match(t, /install\.d\/10-a\s+1\.500/);
    assert.match(t, /total\s+1\.750/);
  });
});
