// The image tables on both engines: conditional status moves, children rows, members, usage; and the
// start-up recovery that requeues uploads a crash cut short and sweeps their files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Image } from '../../src/image/model/image.ts';
import { DataStore } from '../../src/image/store/data.ts';
import { ImageStore } from '../../src/image/store/images.ts';
import { imageMigrations } from '../../src/image/store/migrations.ts';
import { recoverInterrupted } from '../../src/image/worker/recover.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

const image = (id: string, over: Partial<Image> = {}): Image => ({
  id,
  name: id,
  status: 'queued',
  visibility: 'private',
  protected: false,
  os_hidden: false,
  checksum: null,
  os_hash_algo: null,
  os_hash_value: null,
  size: null,
  virtual_size: null,
  disk_format: 'raw',
  container_format: 'bare',
  min_disk: 0,
  min_ram: 0,
  owner: 'p1',
  created_at: 1,
  updated_at: 1,
  properties: {},
  tags: [],
  ...over,
});

forEachEngine('image store', (fresh) => {
  const setup = async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await migrate(db, 'image', imageMigrations);
    return { db, images: new ImageStore(db, () => 5000), events: new EventLog(db) };
  };

  test('round trip with properties and tags; update replaces them', async () => {
    const { images } = await setup();
    const img = image('a', {
      properties: { kernel_id: 'k', x: 'y' },
      tags: ['t1', 't2'],
      protected: true,
      size: 3,
    });
    await images.insert(img);
    assert.deepEqual(await images.get('a'), img);
    const changed = {
      ...img,
      name: 'b',
      properties: { x: 'z' },
      tags: ['t3'],
      os_hidden: true,
      updated_at: 9,
    };
    assert.equal(await images.update(changed), true);
    assert.deepEqual(await images.get('a'), changed);
    assert.equal(await images.update(image('missing')), false);
  });

  test('status moves are conditional: only one of two racing uploads wins', async () => {
    const { images } = await setup();
    await images.insert(image('a'));
    const [one, two] = await Promise.all([
      images.move('a', ['queued'], 'saving'),
      images.move('a', ['queued'], 'saving'),
    ]);
    assert.deepEqual([one, two].sort(), [false, true]);
    const facts = { size: 10, checksum: 'c', os_hash_algo: 'sha512', os_hash_value: 'h', virtual_size: 10 };
    assert.equal(await images.move('a', ['saving'], 'active', facts), true);
    const got = await images.get('a');
    assert.equal(got?.status, 'active');
    assert.equal(got?.size, 10);
    assert.equal(got?.updated_at, 5000);
    assert.equal(await images.move('a', ['queued'], 'saving'), false);
  });

  test('a move and its event commit together: an event that fails undoes the move', async () => {
    const { images, events } = await setup();
    await images.insert(image('a'), (q) =>
      events.append({ resourceType: 'image', resourceId: 'a', from: null, to: 'queued' }, q),
    );
    await assert.rejects(
      images.move('a', ['queued'], 'saving', {}, async (q) => {
        await events.append({ resourceType: 'image', resourceId: 'a', from: 'queued', to: 'saving' }, q);
        throw new Error('event log unavailable');
      }),
      /event log unavailable/,
    );
    assert.equal((await images.get('a'))?.status, 'queued', 'the move was rolled back');
    assert.equal(
      await images.move('a', ['queued'], 'saving', {}, (q) =>
        events.append({ resourceType: 'image', resourceId: 'a', from: 'queued', to: 'saving' }, q),
      ),
      true,
    );
    assert.equal(
      await images.move('a', ['queued'], 'saving', {}, async () => assert.fail('not moved')),
      false,
    );
    assert.equal(
      await images.delete('a', (q) =>
        events.append({ resourceType: 'image', resourceId: 'a', from: 'saving', to: 'deleted' }, q),
      ),
      true,
    );
    assert.deepEqual(
      (await events.list('image', 'a')).map((e) => e.to),
      ['queued', 'saving', 'deleted'],
    );
  });

  test('candidates carry members; usage sums a project’s sizes; delete cascades', async () => {
    const { images, db } = await setup();
    await images.insert(image('a', { size: 100, visibility: 'shared', tags: ['x'] }));
    await images.insert(image('b', { size: 50 }));
    await images.insert(image('c', { size: 7, owner: 'p2' }));
    assert.ok(await images.addMember('a', 'p2'));
    assert.equal(await images.addMember('a', 'p2'), undefined, 'already a member');
    assert.equal(await images.setMemberStatus('a', 'p2', 'accepted'), true);
    const cands = await images.candidates();
    const a = cands.find((c) => c.image.id === 'a');
    assert.deepEqual(
      a?.members.map((m) => [m.member, m.status]),
      [['p2', 'accepted']],
    );
    assert.deepEqual(a?.image.tags, ['x']);
    assert.equal(await images.usage('p1'), 150);
    assert.equal(await images.usage('p1', 'a'), 50);
    assert.equal(await images.delete('a'), true);
    for (const table of ['image_members', 'image_tags', 'image_properties']) {
      const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE image_id = ?`, ['a']);
      assert.equal(Number(row?.n), 0, table);
    }
  });

  test('recovery: interrupted uploads go back to queued; partial and orphan files go', async () => {
    const { images, events } = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'ooo-image-recover-'));
    try {
      const data = new DataStore(dir, { sync: false });
      await data.init();
      await images.insert(image('saving1', { status: 'saving' }));
      await images.insert(image('staged', { status: 'uploading' }));
      await images.insert(image('staging-cut', { status: 'uploading' }));
      await images.insert(image('live', { status: 'active', size: 1 }));
      writeFileSync(join(dir, '.tmp-saving1-abcd'), 'partial');
      writeFileSync(join(dir, 'live'), 'x');
      writeFileSync(join(dir, 'gone'), 'orphan');
      writeFileSync(join(dir, 'staging', 'staged'), 'y');
      writeFileSync(join(dir, 'staging', 'staged.json'), JSON.stringify({ size: 1, head: '' }));
      const r = await recoverInterrupted(ctx, images, data, events);
      assert.deepEqual(r.requeued.sort(), ['saving1', 'staging-cut']);
      assert.equal((await images.get('saving1'))?.status, 'queued');
      assert.equal(
        (await images.get('staged'))?.status,
        'uploading',
        'a finished stage waits for its import',
      );
      assert.deepEqual(readdirSync(dir).sort(), ['live', 'staging']);
      assert.deepEqual(readdirSync(join(dir, 'staging')).sort(), ['staged', 'staged.json']);
      assert.equal((await events.list('image', 'saving1')).at(-1)?.to, 'queued');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
