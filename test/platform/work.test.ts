import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/platform/db/migrate.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

forEachEngine('leases and events', (fresh) => {
  const setup = async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    let now = 1_000_000;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    return { db, clock, leases: new Leases(db, clock.now), events: new EventLog(db, clock.now) };
  };

  test('a lease is exclusive until it expires, then taken over', async () => {
    const { leases, clock } = await setup();
    assert.deepEqual(await leases.claim('node:1', 'w1', 'deploy', 1000), { claimed: true, generation: 1 });
    const second = await leases.claim('node:1', 'w2', 'clean', 1000);
    assert.equal(second.claimed, false);
    assert.equal(second.heldBy?.owner, 'w1');
    assert.equal(second.heldBy?.purpose, 'deploy');
    assert.equal(
      (await leases.claim('node:1', 'w1', 'deploy', 1000)).claimed,
      true,
      'the owner may re-claim',
    );
    clock.advance(1001);
    assert.deepEqual(
      (await leases.expired('node:')).map((l) => l.owner),
      ['w1'],
    );
    assert.deepEqual(await leases.claim('node:1', 'w2', 'deploy', 1000), {
      claimed: true,
      generation: 2,
      tookOverFrom: 'w1',
    });
    assert.equal(await leases.renew('node:1', 'w1', 1000), false, 'the dead worker lost it');
    assert.equal(await leases.renew('node:1', 'w2', 1000), true);
    assert.equal(await leases.release('node:1', 'w1'), false);
    assert.equal(await leases.release('node:1', 'w2'), true);
    assert.equal(await leases.get('node:1'), undefined);
  });

  test('racing claims: exactly one wins', async () => {
    const { leases } = await setup();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => leases.claim('stack:s', `w${i}`, 'create', 5000)),
    );
    assert.equal(results.filter((r) => r.claimed).length, 1);
  });

  test('withLease holds, refuses others with a conflict and releases at the end', async () => {
    const { leases } = await setup();
    const spec = { resource: 'node:2', owner: 'w1', purpose: 'deploy', ttlMs: 60_000 };
    const value = await leases.withLease(ctx, spec, async () => {
      await assert.rejects(
        leases.withLease(ctx, { ...spec, owner: 'w2' }, async () => 'never'),
        (e: { status?: number }) => e.status === 409,
      );
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(await leases.get('node:2'), undefined);
  });

  test('events record transitions in order with durations', async () => {
    const { events, clock } = await setup();
    const started = clock.now();
    clock.advance(250);
    await events.append({
      resourceType: 'node',
      resourceId: 'n1',
      from: 'available',
      to: 'deploying',
      startedAt: started,
    });
    await events.append({
      resourceType: 'node',
      resourceId: 'n1',
      from: 'deploying',
      to: 'active',
      reason: 'done',
    });
    await events.append({ resourceType: 'node', resourceId: 'n2', from: null, to: 'enroll' });
    const list = await events.list('node', 'n1');
    assert.deepEqual(
      list.map((e) => [e.from, e.to, e.durationMs, e.reason]),
      [
        ['available', 'deploying', 250, ''],
        ['deploying', 'active', 0, 'done'],
      ],
    );
    assert.deepEqual(await events.list('node', 'n1', list[0]!.id), [list[1]]);
  });
});
