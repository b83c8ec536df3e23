// Compatibility: the real `openstack` CLI (python3-openstackclient 6.0 / openstacksdk 0.101) against a seed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const skip = cliUnavailable();

/** A small qcow2-looking file: the header says 1 GiB of guest disk, then a pattern. */
function qcow2File(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 13 + 5) % 256;
  b.writeUInt32BE(0x514649fb, 0);
  b.writeUInt32BE(3, 4);
  b.writeBigUInt64BE(1024n ** 3n, 24);
  return b;
}

describe('openstack image CLI', { skip }, () => {
  let seed: TestSeed;
  let dir: string;
  let demoEnv: Record<string, string>;
  let demoProject: string;
  const os = (args: string[], env?: Record<string, string>) => openstack(env ?? seed.cliEnv, args);
  const ok = async (args: string[], env?: Record<string, string>) => {
    const r = await os(args, env);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'image'], settings: { image: { fsync: false } } });
    dir = mkdtempSync(join(tmpdir(), 'ooo-image-cli-'));
    // A second project with a member user, through Keystone's REST API (cheaper than three CLI runs).
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${seed.authUrl}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.status === 204 ? undefined : r.json();
    };
    demoProject = (
      (await api('POST', '/projects', { project: { name: 'demo', domain_id: 'default' } })) as {
        project: { id: string };
      }
    ).project.id;
    const user = (await api('POST', '/users', {
      user: { name: 'demo', domain_id: 'default', password: 'demo-pw' },
    })) as { user: { id: string } };
    const roles = (await api('GET', '/roles?name=member')) as { roles: { id: string }[] };
    await api('PUT', `/projects/${demoProject}/users/${user.user.id}/roles/${roles.roles[0]?.id}`);
    demoEnv = seed.cliEnvFor('demo', 'demo-pw', 'demo');
  });
  after(async () => {
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('create --file with properties, show, list, set/unset, save, delete', async () => {
    const data = qcow2File(3 * 1024 * 1024 + 17);
    const file = join(dir, 'disk.qcow2');
    writeFileSync(file, data);
    const md5 = createHash('md5').update(data).digest('hex');
    const created = (
      await ok([
        'image',
        'create',
        '--file',
        file,
        '--disk-format',
        'qcow2',
        '--container-format',
        'bare',
        '--property',
        'kernel_id=k-1',
        '--property',
        'foo=bar',
        '--private',
        '--protected',
        '-f',
        'json',
        'cli-disk',
      ])
    ).json<Record<string, unknown>>();
    assert.equal(created.name, 'cli-disk');
    assert.equal(created.visibility, 'private');
    assert.equal(created.protected, true);
    assert.equal((created.properties as Record<string, string>).kernel_id, 'k-1');
    const id = created.id as string;

    const shown = (await ok(['image', 'show', 'cli-disk', '-f', 'json'])).json<Record<string, unknown>>();
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, md5);
    assert.equal(shown.size, data.length);
    assert.equal(shown.virtual_size, 1024 ** 3);
    const props = shown.properties as Record<string, string>;
    assert.equal(props.os_hash_algo, 'sha512');
    assert.equal(props.os_hash_value, createHash('sha512').update(data).digest('hex'));

    const long = (await ok(['image', 'list', '--long', '-f', 'json'])).json<Record<string, unknown>[]>();
    const row = long.find((r) => r.ID === id);
    assert.equal(row?.Checksum, md5);
    assert.equal(row?.['Disk Format'], 'qcow2');
    assert.equal(row?.Visibility, 'private');
    // Without --file the CLI reads image data from a non-tty stdin (the runner's pipe): create this one
    // queued image through the API instead.
    const empty = await fetch(`${seed.urls.image}/v2/images`, {
      method: 'POST',
      headers: {
        'x-auth-token': await seed.tokenFor('admin', seed.adminPassword, 'admin'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        name: 'cli-empty',
        visibility: 'public',
        disk_format: 'raw',
        container_format: 'bare',
      }),
    });
    assert.equal(empty.status, 201);
    const pub = (
      await ok([
        'image',
        'create',
        '--file',
        file,
        '--disk-format',
        'qcow2',
        '--container-format',
        'bare',
        '--public',
        '-f',
        'json',
        'cli-pub',
      ])
    ).json<{ id: string; visibility: string }>();
    assert.equal(pub.visibility, 'public');
    const names = async (args: string[], env?: Record<string, string>) =>
      (await ok(['image', 'list', ...args, '-f', 'json'], env))
        .json<{ Name: string }[]>()
        .map((r) => r.Name)
        .sort();
    assert.deepEqual(await names(['--private']), ['cli-disk']);
    assert.deepEqual(await names(['--public']), ['cli-empty', 'cli-pub']);
    assert.deepEqual(await names(['--property', 'foo=bar']), ['cli-disk']);
    assert.deepEqual(await names(['--status', 'queued']), ['cli-empty']);
    assert.equal((await names(['--limit', '1'])).length, 1);
    assert.deepEqual(await names(['--name', 'cli-disk']), ['cli-disk']);
    // Another project sees the public image but not the private one.
    assert.deepEqual(await names([], demoEnv), ['cli-empty', 'cli-pub']);
    const hidden = await os(['image', 'show', id], demoEnv);
    assert.notEqual(hidden.code, 0);
    assert.match(hidden.stderr, /No Image found|could not be found|404/);

    await ok([
      'image',
      'set',
      '--property',
      'a=b',
      '--name',
      'cli-disk2',
      '--unprotected',
      '--min-disk',
      '2',
      'cli-disk',
    ]);
    await ok(['image', 'unset', '--property', 'foo', 'cli-disk2']);
    const changed = (await ok(['image', 'show', id, '-f', 'json'])).json<Record<string, unknown>>();
    assert.equal(changed.name, 'cli-disk2');
    assert.equal(changed.protected, false);
    assert.equal(changed.min_disk, 2);
    assert.equal((changed.properties as Record<string, string>).a, 'b');
    assert.equal((changed.properties as Record<string, string>).foo, undefined);

    const ro = await os(['image', 'set', '--property', 'status=killed', id]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /403.*Attribute 'status' is read-only\./);

    const out = join(dir, 'saved.qcow2');
    await ok(['image', 'save', '--file', out, 'cli-disk2']);
    assert.ok(readFileSync(out).equals(data), 'saved bytes are identical');

    await ok(['image', 'set', '--protected', id]);
    const refused = await os(['image', 'delete', id]);
    assert.notEqual(refused.code, 0);
    assert.deepEqual(
      readdirSync(join(seed.stateDir, 'images'))
        .filter((n) => n !== 'staging')
        .sort(),
      [id, pub.id].sort(),
    );
    await ok(['image', 'set', '--unprotected', id]);
    await ok(['image', 'delete', id, 'cli-empty', 'cli-pub']);
    assert.deepEqual(await names([]), []);
    assert.deepEqual(
      readdirSync(join(seed.stateDir, 'images')),
      ['staging'],
      'the data is gone with the image',
    );
  });

  test('add project / accept / remove project', async () => {
    const file = join(dir, 'shared.raw');
    writeFileSync(file, Buffer.alloc(4096, 1));
    const id = (
      await ok([
        'image',
        'create',
        '--file',
        file,
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--shared',
        '-f',
        'json',
        'cli-shared',
      ])
    ).json<{ id: string }>().id;
    const demoNames = async () =>
      (await ok(['image', 'list', '-f', 'json'], demoEnv)).json<{ Name: string }[]>().map((r) => r.Name);
    const added = (await ok(['image', 'add', 'project', '-f', 'json', 'cli-shared', 'demo'])).json<
      Record<string, string>
    >();
    assert.equal(added.status, 'pending');
    assert.ok(!(await demoNames()).includes('cli-shared'), 'pending shares stay out of the default list');
    await ok(['image', 'set', '--accept', id], demoEnv);
    assert.ok((await demoNames()).includes('cli-shared'));
    const members = (await ok(['image', 'member', 'list', '-f', 'json', id])).json<
      Record<string, string>[]
    >();
    assert.deepEqual(
      members.map((m) => [m['Member ID'], m.Status]),
      [[demoProject, 'accepted']],
    );
    await ok(['image', 'remove', 'project', 'cli-shared', 'demo']);
    assert.notEqual((await os(['image', 'show', id], demoEnv)).code, 0);
    await ok(['image', 'delete', id]);
  });

  test('set --deactivate / --activate: by the owner or an admin; save refused while deactivated', async () => {
    const file = join(dir, 'deact.raw');
    writeFileSync(file, Buffer.alloc(2048, 3));
    await ok(
      ['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', 'cli-deact'],
      demoEnv,
    );
    await ok(['image', 'set', '--deactivate', 'cli-deact'], demoEnv);
    const shown = (await ok(['image', 'show', 'cli-deact', '-f', 'json'], demoEnv)).json<{
      status: string;
    }>();
    assert.equal(shown.status, 'deactivated');
    const saved = await os(['image', 'save', '--file', join(dir, 'deact.out'), 'cli-deact'], demoEnv);
    assert.notEqual(saved.code, 0, 'the data of a deactivated image is not served to its owner');
    // (openstacksdk 0.101 words Glance's 403 as "InvalidResponse")
    assert.match(saved.stderr, /Unable to download image/);
    await ok(['image', 'set', '--activate', 'cli-deact']);
    await ok(['image', 'save', '--file', join(dir, 'deact.out'), 'cli-deact'], demoEnv);
    assert.deepEqual(readFileSync(join(dir, 'deact.out')), Buffer.alloc(2048, 3));
    await ok(['image', 'delete', 'cli-deact'], demoEnv);
  });

  test('create --import stages then imports (glance-direct)', async () => {
    const data = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
    const file = join(dir, 'import.raw');
    writeFileSync(file, data);
    await ok([
      'image',
      'create',
      '--import',
      '--file',
      file,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      'cli-import',
    ]);
    const shown = (await ok(['image', 'show', 'cli-import', '-f', 'json'])).json<Record<string, unknown>>();
    assert.equal(shown.status, 'active');
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(shown.size, data.length);
    assert.deepEqual(readdirSync(join(seed.stateDir, 'images', 'staging')), [], 'staging emptied');
    await ok(['image', 'delete', 'cli-import']);
  });
});
