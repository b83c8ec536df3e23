// Image data over a real socket: streamed upload and download, Range, the import flow, and every way an
// upload can fail — each followed by a look at the store directory to prove nothing partial was kept.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageClient } from '../../src/image/client.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { startImages } from './helpers.ts';

type Images = Awaited<ReturnType<typeof startImages>>;

async function listen(s: Images): Promise<string> {
  await s.app.listen({ host: '127.0.0.1', port: 0 });
  const a = s.app.server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request; `chunked` omits Content-Length so the server cannot know the size up front. */
function http(
  url: string,
  method: string,
  token: string,
  body?: Buffer,
  headers: Record<string, string> = {},
  chunked = false,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: {
        'x-auth-token': token,
        ...(body ? { 'content-type': 'application/octet-stream' } : {}),
        ...(body && !chunked ? { 'content-length': String(body.length) } : {}),
        ...headers,
      },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body && chunked) {
      // Several writes, so the body really arrives chunked.
      for (let i = 0; i < body.length; i += 1000) req.write(body.subarray(i, i + 1000));
      req.end();
    } else req.end(body);
  });
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251));

describe('image data', () => {
  let s: Images;
  let base: string;
  before(async () => {
    s = await startImages({ projectQuota: 50_000 });
    base = await listen(s);
  });
  after(() => s.close());

  const show = async (id: string, token = 'member') =>
    (await s.call(token, 'GET', `/v2/images/${id}`)).body as Record<string, unknown>;

  test('upload computes size, md5 and sha512 on the way; download is identical with Content-MD5', async () => {
    const img = await s.create('member', { name: 'data', disk_format: 'raw' });
    const data = pattern(20_000);
    const up = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', data);
    assert.equal(up.status, 204);
    assert.equal(up.headers['content-type'], undefined, 'a 204 carries no JSON content type');
    const shown = await show(img.id);
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.virtual_size, data.length, 'raw: virtual size is the size');
    assert.equal(shown.checksum, md5(data));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, sha512(data));
    const down = await http(`${base}/v2/images/${img.id}/file`, 'GET', 'member');
    assert.equal(down.status, 200);
    assert.equal(down.headers['content-md5'], md5(data));
    assert.equal(down.headers['content-type'], 'application/octet-stream');
    assert.ok(down.body.equals(data));
    assert.deepEqual(s.storeFiles(), [img.id]);

    const part = await http(`${base}/v2/images/${img.id}/file`, 'GET', 'member', undefined, {
      range: 'bytes=100-199',
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${data.length}`);
    assert.equal(part.headers['content-md5'], undefined);
    assert.ok(part.body.equals(data.subarray(100, 200)));

    const beyond = await http(`${base}/v2/images/${img.id}/file`, 'GET', 'member', undefined, {
      range: 'bytes=20000-',
    });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${data.length}`);
    assert.match(JSON.parse(beyond.body.toString()).message, /Requested range not satisfiable/);

    const again = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', pattern(10));
    assert.equal(again.status, 409);
    assert.match(
      JSON.parse(again.body.toString()).message,
      /transition from active to saving is not allowed/,
    );
    assert.equal((await show(img.id)).checksum, md5(data), 'the active image is untouched');
    assert.deepEqual(s.storeFiles(), [img.id]);

    assert.equal((await s.call('member', 'DELETE', `/v2/images/${img.id}`)).status, 204);
    assert.deepEqual(s.storeFiles(), [], 'delete removes the data');
  });

  test('the typed client (what the conductor uses) streams data in and out, whole or a range', async () => {
    const ctx = { log: silentLogger(), signal: new AbortController().signal };
    const client = new ImageClient(base, 'member');
    const img = await client.create(ctx, {
      name: 'via-client',
      disk_format: 'raw',
      container_format: 'bare',
    });
    const data = pattern(40_005); // under this suite's 50 000-byte project quota
    const { Readable } = await import('node:stream');
    await client.upload(
      ctx,
      img.id,
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      data.length,
    );
    const whole = await client.download(ctx, img.id);
    const chunks: Buffer[] = [];
    for await (const c of whole.stream) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(data));
    assert.equal(whole.md5, md5(data));
    assert.equal(whole.size, data.length);
    const part = await client.download(ctx, img.id, { start: data.length - 5 });
    const tail: Buffer[] = [];
    for await (const c of part.stream) tail.push(c as Buffer);
    assert.ok(Buffer.concat(tail).equals(data.subarray(data.length - 5)));
    assert.equal(part.md5, undefined);
    const { PassThrough } = await import('node:stream');
    const sink = new PassThrough();
    const saved: Buffer[] = [];
    sink.on('data', (c: Buffer) => saved.push(c));
    assert.deepEqual(await client.save(ctx, img.id, sink), { bytes: data.length, md5: md5(data) });
    assert.ok(Buffer.concat(saved).equals(data));
    // Corrupt the stored bytes behind the service's back: the client's check catches it.
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(s.stateDir, 'images', img.id), Buffer.alloc(data.length, 0));
    const discard = new PassThrough();
    discard.resume();
    await assert.rejects(client.save(ctx, img.id, discard), /received data has md5 .*, expected/);
    await assert.rejects(
      client.upload(ctx, img.id, Readable.from([Buffer.from('x')]), 1),
      /409: Image status transition/,
    );
    assert.equal((await client.list(ctx, { name: 'via-client' })).length, 1);
    await client.delete(ctx, img.id);
    assert.equal(await client.get(ctx, img.id), undefined);
  });

  test('a queued image has no data: 204 on download', async () => {
    const img = await s.create('member');
    assert.equal((await http(`${base}/v2/images/${img.id}/file`, 'GET', 'member')).status, 204);
  });

  test('qcow2: virtual_size comes from the header', async () => {
    const head = Buffer.alloc(4096);
    head.writeUInt32BE(0x514649fb, 0);
    head.writeUInt32BE(3, 4);
    head.writeBigUInt64BE(5n * 1024n ** 3n, 24);
    const img = await s.create('member', { disk_format: 'qcow2' });
    assert.equal((await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', head)).status, 204);
    assert.equal((await show(img.id)).virtual_size, 5 * 1024 ** 3);
    await s.call('member', 'DELETE', `/v2/images/${img.id}`);
  });

  test('bad input: unknown formats, missing formats, wrong media type; the store stays empty', async () => {
    const fmt = await s.call('member', 'POST', '/v2/images', { disk_format: 'floppy' });
    assert.equal(fmt.status, 400);
    assert.match((fmt.body as { message: string }).message, /'floppy' is not one of/);
    const cont = await s.call('member', 'POST', '/v2/images', { container_format: 'tarball' });
    assert.equal(cont.status, 400);
    const noFormat = (await s.call('member', 'POST', '/v2/images', { name: 'bare' })).body as { id: string };
    const up = await http(`${base}/v2/images/${noFormat.id}/file`, 'PUT', 'member', pattern(10));
    assert.equal(up.status, 400);
    assert.match(JSON.parse(up.body.toString()).message, /disk_format, container_format must be set/);
    assert.equal((await show(noFormat.id)).status, 'queued');
    const img = await s.create('member');
    const json = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', Buffer.from('{}'), {
      'content-type': 'application/json',
    });
    assert.equal(json.status, 415);
    const ro = await s.patch('member', img.id, [{ op: 'replace', path: '/size', value: 5 }]);
    assert.equal(ro.status, 403);
    assert.equal((await show(img.id)).size, null);
    assert.deepEqual(s.storeFiles(), []);
  });

  test('over the project quota: refused up front (Content-Length) or on the way (chunked); retry fits', async () => {
    const img = await s.create('member');
    const big = pattern(60_000);
    const known = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', big);
    assert.equal(known.status, 413);
    assert.match(JSON.parse(known.body.toString()).message, /Image exceeds the storage quota/);
    assert.equal((await show(img.id)).status, 'queued');
    assert.deepEqual(s.storeFiles(), []);

    const chunked = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', big, {}, true);
    assert.equal(chunked.status, 413);
    const after = await show(img.id);
    assert.equal(after.status, 'queued');
    assert.equal(after.size, null);
    assert.deepEqual(s.storeFiles(), [], 'no partial file');

    const small = pattern(1000);
    assert.equal(
      (await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', small, {}, true)).status,
      204,
    );
    assert.equal((await show(img.id)).checksum, md5(small));
    assert.deepEqual(s.storeFiles(), [img.id]);
    await s.call('member', 'DELETE', `/v2/images/${img.id}`);
  });

  test('import flow: stage, then import with glance-direct', async () => {
    const img = await s.create('member', { disk_format: 'raw' });
    const early = await s.call('member', 'POST', `/v2/images/${img.id}/import`, {
      method: { name: 'glance-direct' },
    });
    assert.equal(early.status, 409);
    const data = pattern(30_000);
    assert.equal((await http(`${base}/v2/images/${img.id}/stage`, 'PUT', 'member', data)).status, 204);
    const staged = await show(img.id);
    assert.equal(staged.status, 'uploading');
    assert.equal(staged.size, data.length);
    assert.equal(staged.checksum, null);
    assert.deepEqual(s.storeFiles(), [`staging/${img.id}`, `staging/${img.id}.json`]);
    const web = await s.call('member', 'POST', `/v2/images/${img.id}/import`, {
      method: { name: 'web-download' },
    });
    assert.equal(web.status, 400);
    const imp = await s.call('member', 'POST', `/v2/images/${img.id}/import`, {
      method: { name: 'glance-direct' },
    });
    assert.equal(imp.status, 202);
    const done = await show(img.id);
    assert.equal(done.status, 'active');
    assert.equal(done.checksum, md5(data));
    assert.equal(done.os_hash_value, sha512(data));
    assert.equal(done.virtual_size, data.length);
    assert.deepEqual(s.storeFiles(), [img.id]);
    const down = await http(`${base}/v2/images/${img.id}/file`, 'GET', 'member');
    assert.ok(down.body.equals(data));
    await s.call('member', 'DELETE', `/v2/images/${img.id}`);
    assert.deepEqual(s.storeFiles(), []);
  });

  test('upload policy: another project cannot upload into a shared image it can see', async () => {
    const img = await s.create('member');
    await s.call('member', 'POST', `/v2/images/${img.id}/members`, { member: 'project-b' });
    const r = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'other', pattern(10));
    assert.equal(r.status, 403);
    assert.equal((await show(img.id)).status, 'queued');
    assert.deepEqual(s.storeFiles(), []);
  });
});

describe('interrupted uploads', () => {
  let s: Images;
  let base: string;
  before(async () => {
    s = await startImages();
    base = await listen(s);
  });
  after(() => s.close());
  const show = async (id: string, token = 'member') =>
    (await s.call(token, 'GET', `/v2/images/${id}`)).body as Record<string, unknown>;

  test('a client that disconnects mid-upload leaves the image queued and no file; a retry works', async () => {
    const img = await s.create('other');
    const total = 4 * 1024 * 1024;
    await new Promise<void>((resolve) => {
      const req = request(`${base}/v2/images/${img.id}/file`, {
        method: 'PUT',
        headers: {
          'x-auth-token': 'other',
          'content-type': 'application/octet-stream',
          'content-length': String(total),
        },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(pattern(1024 * 1024), () => {
        // Wait until the server has the upload under way, then drop the connection.
        const check = async () => {
          while ((await show(img.id, 'other')).status !== 'saving') await sleep(10);
          req.destroy();
        };
        void check();
      });
    });
    for (let i = 0; i < 500 && (await show(img.id, 'other')).status !== 'queued'; i++) await sleep(10);
    assert.equal((await show(img.id, 'other')).status, 'queued');
    assert.deepEqual(s.storeFiles(), []);
    const data = pattern(3 * 1024 * 1024);
    assert.equal((await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'other', data)).status, 204);
    assert.equal((await show(img.id, 'other')).checksum, md5(data));
    await s.call('other', 'DELETE', `/v2/images/${img.id}`);
    assert.deepEqual(s.storeFiles(), []);
  });
  test('a second upload while one runs is 409; deleting the image mid-upload ends it with 410 and no file', async () => {
    const img = await s.create('member');
    let answer: (r: { status: number; body: string }) => void = () => {};
    const answered = new Promise<{ status: number; body: string }>((r) => (answer = r));
    const req = request(`${base}/v2/images/${img.id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': 'member', 'content-type': 'application/octet-stream' }, // chunked
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => answer({ status: res.statusCode ?? 0, body }));
    });
    req.write(pattern(2 * 1024 * 1024));
    while ((await show(img.id)).status !== 'saving') await sleep(10);
    const second = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', pattern(10));
    assert.equal(second.status, 409);
    assert.match(JSON.parse(second.body.toString()).message, /from saving to saving is not allowed/);
    assert.equal((await s.call('member', 'DELETE', `/v2/images/${img.id}`)).status, 204);
    req.end(pattern(1024));
    const first = await answered;
    assert.equal(first.status, 410);
    assert.match(JSON.parse(first.body).message, /could not be found after upload/);
    assert.deepEqual(s.storeFiles(), []);
  });
});

describe('image size cap', () => {
  test('an image larger than sizeCap is refused and nothing is kept', async () => {
    const s = await startImages({ sizeCap: 1000 });
    try {
      const base = await listen(s);
      const img = await s.create('member');
      const r = await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', pattern(1001), {}, true);
      assert.equal(r.status, 413);
      assert.match(JSON.parse(r.body.toString()).message, /The incoming image is too large/);
      assert.deepEqual(s.storeFiles(), []);
      assert.equal(
        (await http(`${base}/v2/images/${img.id}/file`, 'PUT', 'member', pattern(1000))).status,
        204,
      );
    } finally {
      await s.close();
    }
  });
});
