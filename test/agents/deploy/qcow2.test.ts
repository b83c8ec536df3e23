// The streaming qcow2 reader against images made by the real qemu-img from random data: every layout
// qemu-img writes (compressed or not, v2/v3, cluster sizes) converts byte for byte, fed in odd chunk sizes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  decodeL2Entry,
  parseQcow2Header,
  Qcow2Error,
  Qcow2StreamReader,
} from '../../../src/agents/deploy/qcow2.ts';

const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;

/** Converts a whole qcow2 file through the reader, `chunk` bytes at a time, into a raw buffer. */
async function convert(
  file: Uint8Array,
  chunk: number,
): Promise<{ raw: Uint8Array; reader: Qcow2StreamReader }> {
  let raw = new Uint8Array(0);
  const reader = new Qcow2StreamReader({
    async write(off, data) {
      if (off + data.length > raw.length) {
        const bigger = new Uint8Array(Math.max(off + data.length, raw.length * 2));
        bigger.set(raw);
        raw = bigger;
      }
      raw.set(data, off);
    },
  });
  for (let o = 0; o < file.length; o += chunk)
    await reader.push(file.subarray(o, Math.min(file.length, o + chunk)));
  const h = await reader.end();
  const out = new Uint8Array(h.virtualSize);
  out.set(raw.subarray(0, Math.min(raw.length, h.virtualSize)));
  return { raw: out, reader };
}

/** A raw disk: random runs, zero runs, text (compressible) runs and holes, `mib` MiB long. */
function makeRaw(mib: number): Buffer {
  const b = Buffer.alloc(mib * 1024 * 1024);
  let o = 0;
  let k = 0;
  while (o < b.length) {
    const len = Math.min(b.length - o, [70_000, 300_000, 4096, 1_000_000, 65_536][k % 5]!);
    if (k % 4 === 0) randomBytes(len).copy(b, o);
    else if (k % 4 === 1) b.fill(`text ${k} `, o, o + len);
    else if (k % 4 === 3) randomBytes(Math.min(len, 1000)).copy(b, o + Math.floor(len / 2));
    o += len;
    k++;
  }
  return b;
}

describe('qcow2 streaming reader', { skip: haveQemuImg ? false : 'qemu-img is not installed' }, () => {
  let dir = '';
  let raw: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-qcow2-'));
    raw = makeRaw(6);
    writeFileSync(join(dir, 'disk.raw'), raw);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const variants = [
    { name: 'uncompressed, v3, 64 KiB clusters', args: [] as string[], noHoles: false },
    { name: 'zlib-compressed (-c)', args: ['-c'] },
    { name: 'compressed, 4 KiB clusters', args: ['-c', '-o', 'cluster_size=4096'] },
    {
      name: 'uncompressed, v2 (compat=0.10), 512-byte clusters',
      args: ['-o', 'compat=0.10,cluster_size=512'],
    },
    { name: 'compressed, 2 MiB clusters', args: ['-c', '-o', 'cluster_size=2097152'], noHoles: true },
    { name: 'preallocated metadata', args: ['-o', 'preallocation=metadata'], noHoles: true },
  ];
  for (const v of variants)
    it(v.name, async () => {
      const out = join(dir, `${v.name.replace(/\W+/g, '_')}.qcow2`);
      const r = spawnSync('qemu-img', [
        'convert',
        '-f',
        'raw',
        '-O',
        'qcow2',
        ...v.args,
        join(dir, 'disk.raw'),
        out,
      ]);
      assert.equal(r.status, 0, r.stderr.toString());
      const file = readFileSync(out);
      for (const chunk of [4093, 65536, 1 << 20]) {
        const { raw: got, reader } = await convert(file, chunk);
        assert.equal(got.length, raw.length);
        assert.ok(Buffer.from(got).equals(raw), `byte-for-byte with ${chunk}-byte chunks`);
        // the holes really were left unmapped, so the writer did not write them
        assert.ok(reader.bytesWritten <= raw.length);
        if (!v.noHoles) assert.ok(reader.unwrittenRanges().length > 0);
      }
    });

  it('a virtual size that is not a multiple of the cluster size', async () => {
    const odd = randomBytes(1_000_448);
    writeFileSync(join(dir, 'odd.raw'), odd);
    const out = join(dir, 'odd.qcow2');
    assert.equal(
      spawnSync('qemu-img', ['convert', '-O', 'qcow2', '-c', join(dir, 'odd.raw'), out]).status,
      0,
    );
    const { raw: got } = await convert(readFileSync(out), 10_000);
    assert.ok(Buffer.from(got).equals(odd));
  });

  it('a truncated image is an error, not a short disk', async () => {
    const out = join(dir, 'trunc.qcow2');
    assert.equal(spawnSync('qemu-img', ['convert', '-O', 'qcow2', join(dir, 'disk.raw'), out]).status, 0);
    const file = readFileSync(out);
    await assert.rejects(convert(file.subarray(0, file.length - 100_000), 65536), /qcow2 image truncated/);
  });

  it('backing files are refused', async () => {
    const base = join(dir, 'base.qcow2');
    const top = join(dir, 'top.qcow2');
    spawnSync('qemu-img', ['create', '-f', 'qcow2', base, '1M']);
    spawnSync('qemu-img', ['create', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top]);
    await assert.rejects(convert(readFileSync(top), 65536), /backing file/);
  });
});

describe('qcow2 pure decoding', () => {
  it('L2 entries', () => {
    assert.deepEqual(decodeL2Entry(0n, 16), { kind: 'unallocated' });
    assert.deepEqual(decodeL2Entry(1n, 16), { kind: 'zero' });
    assert.deepEqual(decodeL2Entry((1n << 63n) | 0x50000n, 16), { kind: 'data', hostOffset: 0x50000 });
    // compressed, 64 KiB clusters: x = 62 - 8 = 54 offset bits; 3 extra sectors, offset 0x10100
    const e = (1n << 62n) | (3n << 54n) | 0x10100n;
    assert.deepEqual(decodeL2Entry(e, 16), {
      kind: 'compressed',
      hostOffset: 0x10100,
      length: 0x10000 + 4 * 512 - 0x10100,
    });
  });
  it('headers that are not ours', () => {
    assert.throws(() => parseQcow2Header(new Uint8Array(200)), Qcow2Error);
    const h = new Uint8Array(200);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, 0x514649fb);
    dv.setUint32(4, 3);
    dv.setUint32(20, 16);
    dv.setUint32(32, 1);
    assert.throws(() => parseQcow2Header(h), /encrypted/);
    dv.setUint32(32, 0);
    dv.setBigUint64(72, 8n); // compression type field valid
    dv.setUint32(100, 112);
    h[104] = 1;
    assert.throws(() => parseQcow2Header(h), /zstd/);
  });
});
