// A 2 GiB upload and download through a server in its own process, sampling that process's resident
// memory from /proc: it must stay flat (bounded slots and stream backpressure), not grow with the image.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';

const SIZE = 2 * 1024 ** 3;
const MIB = 1024 * 1024;

/** Deterministic pattern data, generated as it is sent: no 2 GiB file on the client side. */
function patternSource(size: number): Readable {
  const block = Buffer.alloc(MIB);
  for (let i = 0; i < MIB; i++) block[i] = (i * 7 + 3) % 256;
  let sent = 0;
  return new Readable({
    highWaterMark: MIB,
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(MIB, size - sent);
      const chunk = Buffer.from(block.subarray(0, n));
      chunk.writeUInt32BE(sent / MIB, 0); // every MiB differs, so a misplaced block changes the digest
      sent += n;
      this.push(chunk);
    },
  });
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function send(
  url: string,
  method: string,
  body?: Readable,
  size?: number,
): Promise<{ status: number; md5: string; bytes: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: {
        'x-auth-token': 'admin',
        ...(body ? { 'content-type': 'application/octet-stream', 'content-length': String(size) } : {}),
      },
    });
    req.on('response', (res) => {
      const h = createHash('md5');
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        h.update(c);
        bytes += c.length;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, md5: h.digest('hex'), bytes, headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) pipeline(body, req).catch(reject);
    else
      req.end(
        method === 'POST'
          ? JSON.stringify({ name: 'big', disk_format: 'raw', container_format: 'bare' })
          : undefined,
      );
  });
}

test('2 GiB up and down with flat server memory', {
  skip: process.platform !== 'linux' ? 'reads /proc' : undefined,
  timeout: 600_000,
}, async (t) => {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', new URL('./rss-server.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const pid = child.pid as number;
    // Warm up (JIT, hash worker code, first buffers) with a small image, then take the baseline.
    const create = async () => {
      const r = await fetch(`${base}/v2/images`, {
        method: 'POST',
        headers: { 'x-auth-token': 'admin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'big', disk_format: 'raw', container_format: 'bare' }),
      });
      return ((await r.json()) as { id: string }).id;
    };
    const small = await create();
    assert.equal(
      (await send(`${base}/v2/images/${small}/file`, 'PUT', patternSource(64 * MIB), 64 * MIB)).status,
      204,
    );
    assert.equal((await send(`${base}/v2/images/${small}/file`, 'GET')).bytes, 64 * MIB);
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
    }, 50);
    try {
      const id = await create();
      const expected = createHash('md5');
      const source = patternSource(SIZE);
      source.on('data', (c: Buffer) => expected.update(c));
      const t0 = Date.now();
      const up = await send(`${base}/v2/images/${id}/file`, 'PUT', source, SIZE);
      const upSecs = (Date.now() - t0) / 1000;
      assert.equal(up.status, 204);
      const md5 = expected.digest('hex');
      const shown = (await (
        await fetch(`${base}/v2/images/${id}`, { headers: { 'x-auth-token': 'admin' } })
      ).json()) as Record<string, unknown>;
      assert.equal(shown.size, SIZE);
      assert.equal(shown.checksum, md5);
      const t1 = Date.now();
      const down = await send(`${base}/v2/images/${id}/file`, 'GET');
      const downSecs = (Date.now() - t1) / 1000;
      assert.equal(down.status, 200);
      assert.equal(down.bytes, SIZE);
      assert.equal(down.md5, md5);
      assert.equal(down.headers['content-md5'], md5);
      const growth = peak - baseline;
      t.diagnostic(
        `server RSS baseline ${(baseline / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB ` +
          `(+${(growth / MIB).toFixed(0)} MiB) over 2 GiB up (${upSecs.toFixed(1)} s) and down (${downSecs.toFixed(1)} s)`,
      );
      // Eight 1 MiB slots, two hash threads' stacks, socket and stream buffers: tens of MiB, never GiB.
      assert.ok(growth < 96 * MIB, `server RSS grew by ${(growth / MIB).toFixed(0)} MiB`);
    } finally {
      clearInterval(sampler);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
