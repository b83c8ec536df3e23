// The ComputeClient over HTTP against a stand-in that answers as Nova's api-ref says: the requests it
// sends (paths, microversion 2.1, the user's token, bodies) and Nova's fault bodies as AppErrors.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HttpComputeClient } from '../../src/compute/http-client.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };
const auth = { token: 'tok-1' };

test('requests as Nova v2.1 defines them; faults become AppErrors', async () => {
  const seen: { method: string; url: string; token: string; version: string; body: string }[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        token: String(req.headers['x-auth-token']),
        version: String(req.headers['x-openstack-nova-api-version']),
        body,
      });
      const send = (status: number, doc?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(doc === undefined ? '' : JSON.stringify(doc));
      };
      const u = req.url ?? '';
      if (req.method === 'POST' && u === '/v2.1/servers')
        return send(202, { server: { id: 's-1', adminPass: 'x' } });
      if (req.method === 'GET' && u === '/v2.1/servers/s-1')
        return send(200, { server: { id: 's-1', name: 'n', status: 'ACTIVE', addresses: {} } });
      if (req.method === 'GET' && u === '/v2.1/servers/gone')
        return send(404, { itemNotFound: { code: 404, message: 'Instance gone could not be found.' } });
      if (req.method === 'DELETE' && u === '/v2.1/servers/gone')
        return send(404, { itemNotFound: { code: 404, message: 'Instance gone could not be found.' } });
      if (req.method === 'POST' && u === '/v2.1/servers/s-1/action') return send(202);
      if (req.method === 'PUT' && u === '/v2.1/servers/s-1') return send(200, { server: { id: 's-1' } });
      if (req.method === 'PUT' && u === '/v2.1/servers/s-1/metadata') return send(200, JSON.parse(body));
      if (req.method === 'GET' && u.startsWith('/v2.1/flavors/'))
        return send(404, {
          itemNotFound: { code: 404, message: `Flavor ${u.slice(14)} could not be found.` },
        });
      if (req.method === 'GET' && u === '/v2.1/flavors')
        return send(200, {
          flavors: [
            { id: 'f-1', name: 'small' },
            { id: 'f-2', name: 'big' },
          ],
        });
      if (req.method === 'POST' && u === '/v2.1/os-server-groups')
        return send(200, { server_group: { id: 'g-1', members: [], ...JSON.parse(body).server_group } });
      if (req.method === 'DELETE' && u === '/v2.1/os-server-groups/g-gone')
        return send(404, {
          itemNotFound: { code: 404, message: 'Instance group g-gone could not be found.' },
        });
      return send(400, { badRequest: { code: 400, message: `unexpected ${req.method} ${u}` } });
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const c = new HttpComputeClient(base);
  try {
    assert.deepEqual(
      await c.createServer(ctx, auth, {
        name: 'n',
        imageRef: 'i',
        flavorRef: 'f-1',
        networks: [{ uuid: 'net' }],
      }),
      { id: 's-1' },
    );
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), {
      server: { name: 'n', imageRef: 'i', flavorRef: 'f-1', networks: [{ uuid: 'net' }] },
    });
    assert.equal((await c.getServer(ctx, auth, 's-1')).status, 'ACTIVE');
    await c.rebuildServer(ctx, auth, 's-1', { imageRef: 'i2', preserve_ephemeral: true });
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), {
      rebuild: { imageRef: 'i2', preserve_ephemeral: true },
    });
    await c.renameServer(ctx, auth, 's-1', 'n2');
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), { server: { name: 'n2' } });
    await c.setMetadata(ctx, auth, 's-1', { a: 'b' });
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), { metadata: { a: 'b' } });
    assert.equal(await c.findFlavor(ctx, auth, 'small'), 'f-1');
    await assert.rejects(
      c.findFlavor(ctx, auth, 'tiny'),
      (e: AppError) => e.status === 404 || e.status === 400,
    );
    await assert.rejects(
      c.getServer(ctx, auth, 'gone'),
      (e: AppError) =>
        e instanceof AppError && e.status === 404 && e.message === 'Instance gone could not be found.',
    );
    await c.deleteServer(ctx, auth, 'gone'); // already gone is not an error
    assert.ok(seen.every((s) => s.token === 'tok-1' && s.version === '2.1'));
    // Scheduler hints go beside `server`, as os:scheduler_hints.
    await c.createServer(ctx, auth, {
      name: 'h',
      imageRef: 'i',
      flavorRef: 'f-1',
      scheduler_hints: { group: 'g-1' },
    });
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), {
      server: { name: 'h', imageRef: 'i', flavorRef: 'f-1' },
      'os:scheduler_hints': { group: 'g-1' },
    });
    // Server groups: `policies` at 2.15 (soft policies), `policy` and `rules` at 2.64.
    const old = await c.createServerGroup(ctx, auth, { name: 'a', policies: ['soft-affinity'] });
    assert.deepEqual([old.id, seen.at(-1)?.version], ['g-1', '2.15']);
    await c.createServerGroup(ctx, auth, {
      name: 'b',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 2 },
    });
    assert.equal(seen.at(-1)?.version, '2.64');
    assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? ''), {
      server_group: { name: 'b', policy: 'anti-affinity', rules: { max_server_per_host: 2 } },
    });
    await c.deleteServerGroup(ctx, auth, 'g-gone'); // already gone is not an error
  } finally {
    srv.close();
  }
});
