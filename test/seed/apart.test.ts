// Services that run apart: identity, image and network as three `ooo seed up --only ...` processes on one
// PostgreSQL, driven with the real openstack CLI. Image and network validate tokens at the identity
// process with their own service users' tokens; a revoked token stops working there once their token cache
// TTL passes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { createDatabase, freePort, postgresUnavailable, startPostgres } from '../support/postgres.ts';
import { type SeedProcess, startSeedProcess } from '../support/seed-process.ts';

const TTL_MS = 500;

test('identity, image and network in three processes on one PostgreSQL', async (t) => {
  const why = postgresUnavailable() ?? cliUnavailable();
  if (why) return t.skip(why);
  const pg = await startPostgres();
  const dirs: string[] = [];
  const procs: SeedProcess[] = [];
  t.after(async () => {
    for (const p of procs.reverse()) await p.stop();
    pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const databaseUrl = createDatabase(pg.url, 'apart');
  const port = { identity: await freePort(), image: await freePort(), network: await freePort() };
  const at = (p: number) => `http://127.0.0.1:${p}`;
  const stateDir = (name: string, config: object) => {
    const dir = mkdtempSync(join(tmpdir(), `ooo-apart-${name}-`));
    dirs.push(dir);
    writeFileSync(join(dir, 'ooo.json'), JSON.stringify({ databaseUrl, ...config }));
    return dir;
  };

  // Identity first: it bootstraps the admin and the service users, and lists the others in the catalog.
  const idDir = stateDir('identity', {
    ports: { identity: port.identity },
    serviceUrls: { image: at(port.image), network: at(port.network) },
    settings: { identity: { hashCostLog2: 10 } },
  });
  const identity = await startSeedProcess(['--state-dir', idDir, '--only', 'identity']);
  procs.push(identity);
  assert.match(identity.output(), /bootstrapped/);
  const credsFile = join(idDir, 'service-credentials.json');
  assert.equal(statSync(credsFile).mode & 0o777, 0o600, 'the service passwords are private');
  const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as Record<string, { username: string }>;
  assert.deepEqual(
    Object.entries(creds)
      .map(([service, c]) => `${service}:${c.username}`)
      .sort(),
    ['image:glance', 'network:neutron'],
  );

  // Image and network each in their own process and state directory, given identity's URL and the
  // credentials file, with a short token cache TTL.
  const apart = (name: 'image' | 'network') =>
    stateDir(name, {
      ports: { [name]: port[name] },
      identityUrl: `${at(port.identity)}/v3`,
      serviceCredentials: credsFile,
      settings: { identity: { tokenCache: { entries: 100, ttlMs: TTL_MS } }, image: { fsync: false } },
    });
  const image = await startSeedProcess(['--state-dir', apart('image'), '--only', 'image']);
  procs.push(image);
  const network = await startSeedProcess(['--state-dir', apart('network'), '--only', 'network']);
  procs.push(network);
  for (const p of [image, network]) {
    assert.match(p.output(), /identity at http:\/\/127\.0\.0\.1:\d+ \(another process\)/);
    assert.doesNotMatch(p.output(), /^identity +http/m, 'identity is not served here');
  }
  assert.equal(image.url('image'), at(port.image));
  assert.equal(network.url('network'), at(port.network));

  const env = { OS_CLIENT_CONFIG_FILE: join(idDir, 'clouds.yaml'), OS_CLOUD: 'seed' };
  const os = async <T>(...args: string[]): Promise<T> => {
    const r = await openstack(env, [...args, '-f', 'json']);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
    return r.json<T>();
  };

  await t.test('the real CLI: token, images and networks across the three processes', async () => {
    const token = await os<{ id: string; project_id: string }>('token', 'issue');
    assert.ok(token.id.length > 20);
    const catalog = await os<{ Type: string }[]>('catalog', 'list');
    assert.deepEqual(catalog.map((c) => c.Type).sort(), ['identity', 'image', 'network']);

    const file = join(dirs[0]!, 'disk.raw');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const created = await os<{ id: string; status: string; owner: string }>(
      'image',
      'create',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      file,
      'apart-image',
    );
    // The CLI prints the image as created, before its upload; show tells how it ended.
    const shown = await os<{ status: string; checksum: string }>('image', 'show', created.id);
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, createHash('md5').update(readFileSync(file)).digest('hex'));
    assert.equal(created.owner, token.project_id, 'the image belongs to the token project, as identity said');
    const images = await os<{ Name: string }[]>('image', 'list');
    assert.deepEqual(
      images.map((i) => i.Name),
      ['apart-image'],
    );

    const net = await os<{ id: string; name: string; project_id: string }>('network', 'create', 'apart-net');
    assert.equal(net.project_id, token.project_id);
    const nets = await os<{ Name: string }[]>('network', 'list');
    assert.ok(nets.some((n) => n.Name === 'apart-net'));
  });

  await t.test(
    'a token revoked at identity is refused by image and network once the TTL passes',
    async () => {
      const auth = await os<{ id: string }>('token', 'issue');
      const get = (url: string) => fetch(url, { headers: { 'x-auth-token': auth.id } });
      assert.equal((await get(`${at(port.image)}/v2/images`)).status, 200);
      assert.equal((await get(`${at(port.network)}/v2.0/networks`)).status, 200);
      const revoked = await fetch(`${at(port.identity)}/v3/auth/tokens`, {
        method: 'DELETE',
        headers: { 'x-auth-token': auth.id, 'x-subject-token': auth.id },
      });
      assert.equal(revoked.status, 204);
      // No timed assert: poll each service until it refuses, within a bound far above the TTL.
      for (const url of [`${at(port.image)}/v2/images`, `${at(port.network)}/v2.0/networks`]) {
        const deadline = Date.now() + 30_000;
        let status = 200;
        while (status !== 401 && Date.now() < deadline) {
          status = (await get(url)).status;
          if (status !== 401) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 401, `${url} refuses the revoked token`);
      }
    },
  );

  await t.test('apart from identity, a service without its credentials refuses to start', async () => {
    const dir = stateDir('nocreds', {
      ports: { image: 0 },
      identityUrl: at(port.identity),
      serviceCredentials: join(idDir, 'missing.json'),
    });
    await assert.rejects(
      startSeedProcess(['--state-dir', dir, '--only', 'image']),
      /no credentials for the image service's user/,
    );
  });
});
