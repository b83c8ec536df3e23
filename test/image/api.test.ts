// The Glance v2 API in-process: images, properties, patch, tags, members and policy between projects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startImages } from './helpers.ts';

describe('image API', () => {
  let s: Awaited<ReturnType<typeof startImages>>;
  before(async () => {
    s = await startImages();
  });
  after(() => s.close());

  test('discovery answers 300 without a token, the API 401 without one', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/', headers: { host: 'h:9292' } });
    assert.equal(r.statusCode, 300);
    const v = r.json().versions;
    assert.equal(v[0].status, 'CURRENT');
    assert.equal(v[0].links[0].href, 'http://h:9292/v2/');
    const u = await s.app.inject({ method: 'GET', url: '/v2/images' });
    assert.equal(u.statusCode, 401);
  });

  test('create returns 201, a Location and the full image with user properties flat', async () => {
    const r = await s.call('member', 'POST', '/v2/images', {
      name: 'one',
      disk_format: 'qcow2',
      container_format: 'bare',
      kernel_id: 'k',
      tags: ['t'],
      'owner_specified.openstack.md5': '',
    });
    assert.equal(r.status, 201);
    const img = r.body as Record<string, unknown>;
    assert.equal(r.headers.location, `/v2/images/${img.id}`);
    assert.equal(img.status, 'queued');
    assert.equal(img.visibility, 'shared');
    assert.equal(img.owner, 'project-a');
    assert.equal(img.kernel_id, 'k');
    assert.equal(img['owner_specified.openstack.md5'], '');
    assert.deepEqual(img.tags, ['t']);
    const shown = await s.call('member', 'GET', `/v2/images/${img.id}`);
    assert.deepEqual(shown.body, img);
  });

  test('a name where an id goes is 404, not 400 (the CLI then lists by name)', async () => {
    const r = await s.call('member', 'GET', '/v2/images/some-name');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {
      code: '404 Not Found',
      title: 'Not Found',
      message: 'No image found with ID some-name',
    });
  });

  test('create with a fixed id, then the same id again is 409', async () => {
    const id = 'a8a2d1a2-4b5e-4d7e-9f0a-000000000001';
    assert.equal((await s.create('member', { id })).id, id);
    const again = await s.call('member', 'POST', '/v2/images', { id });
    assert.equal(again.status, 409);
  });

  test('policy: readers cannot create, only admins publicize, owners must be themselves', async () => {
    assert.equal((await s.call('reader', 'POST', '/v2/images', { name: 'r' })).status, 403);
    const pub = await s.call('member', 'POST', '/v2/images', { name: 'p', visibility: 'public' });
    assert.equal(pub.status, 403);
    assert.match(String((pub.body as { message: string }).message), /publicize_image/);
    assert.equal(
      (await s.call('admin', 'POST', '/v2/images', { name: 'p', visibility: 'public' })).status,
      201,
    );
    const foreign = await s.call('member', 'POST', '/v2/images', { owner: 'project-b' });
    assert.equal(foreign.status, 403);
  });

  test('private images are invisible to other projects; shared ones to members', async () => {
    const priv = await s.create('member', { name: 'secret', visibility: 'private' });
    assert.equal((await s.call('other', 'GET', `/v2/images/${priv.id}`)).status, 404);
    assert.equal((await s.call('reader', 'GET', `/v2/images/${priv.id}`)).status, 200, 'same project');
    assert.equal((await s.call('admin', 'GET', `/v2/images/${priv.id}`)).status, 200);
    const listed = (await s.call('other', 'GET', '/v2/images')).body as { images: { id: string }[] };
    assert.ok(!listed.images.some((i) => i.id === priv.id));
    assert.equal((await s.call('other', 'DELETE', `/v2/images/${priv.id}`)).status, 404);
    assert.equal(
      (await s.patch('other', priv.id, [{ op: 'replace', path: '/name', value: 'x' }])).status,
      404,
    );
    assert.equal(
      (await s.patch('reader', priv.id, [{ op: 'replace', path: '/name', value: 'x' }])).status,
      403,
    );

    // Members only exist on shared images.
    const onPrivate = await s.call('member', 'POST', `/v2/images/${priv.id}/members`, {
      member: 'project-b',
    });
    assert.equal(onPrivate.status, 403);
    assert.match(String((onPrivate.body as { message: string }).message), /Only shared images have members/);

    const shared = await s.create('member', { name: 'to-share' });
    const added = await s.call('member', 'POST', `/v2/images/${shared.id}/members`, { member: 'project-b' });
    assert.equal(added.status, 200);
    assert.equal((added.body as { status: string }).status, 'pending');
    assert.equal(
      (await s.call('member', 'POST', `/v2/images/${shared.id}/members`, { member: 'project-b' })).status,
      409,
    );
    // Visible to the member at once, but in its default list only once accepted.
    assert.equal((await s.call('other', 'GET', `/v2/images/${shared.id}`)).status, 200);
    const ids = async (q = '') =>
      ((await s.call('other', 'GET', `/v2/images${q}`)).body as { images: { id: string }[] }).images.map(
        (i) => i.id,
      );
    assert.ok(!(await ids()).includes(shared.id));
    assert.ok((await ids('?member_status=pending')).includes(shared.id));
    // The owner cannot accept for the member; the member can.
    const byOwner = await s.call('member', 'PUT', `/v2/images/${shared.id}/members/project-b`, {
      status: 'accepted',
    });
    assert.equal(byOwner.status, 403);
    const byMember = await s.call('other', 'PUT', `/v2/images/${shared.id}/members/project-b`, {
      status: 'accepted',
    });
    assert.equal(byMember.status, 200);
    assert.equal((byMember.body as { status: string }).status, 'accepted');
    assert.ok((await ids()).includes(shared.id));
    // The member cannot change the image or add members.
    assert.equal((await s.patch('other', shared.id, [{ op: 'add', path: '/x', value: 'y' }])).status, 403);
    const members = await s.call('member', 'GET', `/v2/images/${shared.id}/members`);
    assert.deepEqual(
      (members.body as { members: { member_id: string }[] }).members.map((m) => m.member_id),
      ['project-b'],
    );
    // Rejecting hides it from the default list again; removing the member hides it altogether.
    await s.call('other', 'PUT', `/v2/images/${shared.id}/members/project-b`, { status: 'rejected' });
    assert.ok(!(await ids()).includes(shared.id));
    assert.equal((await s.call('member', 'DELETE', `/v2/images/${shared.id}/members/project-b`)).status, 204);
    assert.equal((await s.call('other', 'GET', `/v2/images/${shared.id}`)).status, 404);
  });

  test('PATCH: properties, read-only fields, media type', async () => {
    const img = await s.create('member', { name: 'p' });
    const r = await s.patch('member', img.id, [
      { op: 'add', path: '/kernel_id', value: 'k' },
      { op: 'replace', path: '/name', value: 'p2' },
      { op: 'replace', path: '/os_hidden', value: true },
    ]);
    assert.equal(r.status, 200);
    const body = r.body as Record<string, unknown>;
    assert.equal(body.kernel_id, 'k');
    assert.equal(body.name, 'p2');
    assert.equal(body.os_hidden, true);
    const ro = await s.patch('member', img.id, [{ op: 'replace', path: '/checksum', value: 'x' }]);
    assert.equal(ro.status, 403);
    assert.equal((ro.body as { message: string }).message, "Attribute 'checksum' is read-only.");
    const asJson = await s.call('member', 'PATCH', `/v2/images/${img.id}`, JSON.stringify([]), {
      'content-type': 'application/json',
    });
    assert.equal(asJson.status, 415);
    // The failed patches changed nothing.
    const now = (await s.call('member', 'GET', `/v2/images/${img.id}`)).body as Record<string, unknown>;
    assert.equal(now.checksum, null);
    assert.equal(now.name, 'p2');
    const remove = await s.patch('member', img.id, [{ op: 'remove', path: '/kernel_id' }]);
    assert.equal((remove.body as Record<string, unknown>).kernel_id, undefined);
  });

  test('hidden images are listed only with os_hidden=true', async () => {
    const img = await s.create('member', { name: 'hid', os_hidden: true });
    const list = async (q: string) =>
      ((await s.call('member', 'GET', `/v2/images${q}`)).body as { images: { id: string }[] }).images.map(
        (i) => i.id,
      );
    assert.ok(!(await list('')).includes(img.id));
    assert.ok((await list('?os_hidden=true')).includes(img.id));
  });

  test('tags: add, list through the image, remove', async () => {
    const img = await s.create('member');
    assert.equal((await s.call('member', 'PUT', `/v2/images/${img.id}/tags/gold`)).status, 204);
    assert.equal((await s.call('member', 'PUT', `/v2/images/${img.id}/tags/gold`)).status, 204);
    const tagged = (await s.call('member', 'GET', `/v2/images?tag=gold`)).body as {
      images: { id: string; tags: string[] }[];
    };
    assert.deepEqual(
      tagged.images.map((i) => [i.id, i.tags]),
      [[img.id, ['gold']]],
    );
    assert.equal((await s.call('member', 'DELETE', `/v2/images/${img.id}/tags/gold`)).status, 204);
    assert.equal((await s.call('member', 'DELETE', `/v2/images/${img.id}/tags/gold`)).status, 404);
  });

  test('protected images refuse deletion until unprotected', async () => {
    const img = await s.create('member', { protected: true });
    const r = await s.call('member', 'DELETE', `/v2/images/${img.id}`);
    assert.equal(r.status, 403);
    assert.match((r.body as { message: string }).message, /is protected and cannot be deleted/);
    await s.patch('member', img.id, [{ op: 'replace', path: '/protected', value: false }]);
    assert.equal((await s.call('member', 'DELETE', `/v2/images/${img.id}`)).status, 204);
    assert.equal((await s.call('member', 'GET', `/v2/images/${img.id}`)).status, 404);
  });

  test('deactivate and reactivate: an admin or the owner, active images only, download refused meanwhile', async () => {
    const img = await s.create('member');
    const act = (token: string, action: string) =>
      s.call(token, 'POST', `/v2/images/${img.id}/actions/${action}`).then((r) => r.status);
    // Glance's domain refuses (403) leaving any status but the one the action leaves.
    assert.equal(await act('admin', 'deactivate'), 403, 'queued');
    assert.equal(await act('admin', 'reactivate'), 403, 'queued');
    await s.upload('member', img.id, Buffer.from('data'));
    assert.equal(await act('reader', 'deactivate'), 403, 'a reader of the owning project');
    assert.equal(await act('other', 'deactivate'), 404, 'another project does not see it');
    assert.equal(await act('admin', 'deactivate'), 204);
    assert.equal(await act('admin', 'deactivate'), 204, 'again: a no-op');
    const shown = (await s.call('member', 'GET', `/v2/images/${img.id}`)).body as { status: string };
    assert.equal(shown.status, 'deactivated');
    const refused = await s.call('member', 'GET', `/v2/images/${img.id}/file`);
    assert.equal(refused.status, 403);
    assert.match(String((refused.body as { message?: string })?.message ?? refused.body), /deactivated/);
    assert.equal(
      (await s.call('admin', 'GET', `/v2/images/${img.id}/file`)).status,
      200,
      'an admin still can',
    );
    assert.equal(await act('member', 'reactivate'), 204, 'the owner');
    const back = await s.call('member', 'GET', `/v2/images/${img.id}/file`);
    assert.equal(back.status, 200);
    assert.equal(back.raw.toString(), 'data');
    assert.equal(await act('member', 'deactivate'), 204, 'the owner');
    assert.equal(await act('admin', 'reactivate'), 204);
  });

  test('an empty image id is not an image: /v2/images/ and /v2/images// are 404, /v2/images lists', async () => {
    assert.equal((await s.call('member', 'GET', '/v2/images')).status, 200);
    assert.equal((await s.call('member', 'GET', '/v2/images?limit=1')).status, 200);
    for (const url of ['/v2/images/', '/v2/images//', '/v2/images/?limit=1']) {
      const r = await s.call('member', 'GET', url);
      assert.equal(r.status, 404, url);
    }
    assert.equal((await s.call('member', 'DELETE', '/v2/images/')).status, 404);
  });

  test('pagination: limit, next until the last page, and sorting by name', async () => {
    const names = ['pg-c', 'pg-a', 'pg-b', 'pg-d', 'pg-e'];
    for (const name of names) await s.create('other', { name });
    const seen: string[] = [];
    let url: string | undefined = '/v2/images?limit=2&sort_key=name&sort_dir=asc';
    let pages = 0;
    while (url) {
      const r = (await s.call('other', 'GET', url)).body as { images: { name: string }[]; next?: string };
      seen.push(...r.images.map((i) => i.name));
      url = r.next;
      pages++;
    }
    assert.deepEqual(
      seen.filter((n) => n.startsWith('pg-')),
      ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e'],
    );
    assert.equal(pages, Math.ceil(seen.length / 2));
    assert.equal((await s.call('other', 'GET', '/v2/images?marker=nope')).status, 400);
  });

  test('schemas and import info', async () => {
    const schema = (await s.call('member', 'GET', '/v2/schemas/image')).body as {
      name: string;
      properties: Record<string, unknown>;
    };
    assert.equal(schema.name, 'image');
    assert.ok('disk_format' in schema.properties);
    const info = (await s.call('member', 'GET', '/v2/info/import')).body as Record<
      string,
      { value: string[] }
    >;
    assert.deepEqual(info['import-methods']?.value, ['glance-direct']);
  });
});
