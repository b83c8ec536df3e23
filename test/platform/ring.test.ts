import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../src/platform/db/migrate.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { Membership, orphans, WorkerRegistry } from '../../src/platform/work/registry.ts';
import { HashRing } from '../../src/platform/work/ring.ts';
import { FakeTimers } from '../../src/platform/work/timers.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };
const keys = Array.from({ length: 600 }, (_, i) => `node:${i.toString(16).padStart(8, '0')}`);

const split = (ring: HashRing) => {
  const by = new Map<string, string[]>();
  for (const k of keys) {
    const o = ring.owner(k) as string;
    by.set(o, [...(by.get(o) ?? []), k]);
  }
  return by;
};

describe('hash ring', () => {
  test('an empty ring owns nothing', () => assert.equal(new HashRing([]).owner('x'), undefined));
  test('one member owns everything', () => assert.ok(keys.every((k) => new HashRing(['a']).owns('a', k))));
  test('the same members in any order make the same ring', () => {
    const a = new HashRing(['w1', 'w2', 'w3']);
    const b = new HashRing(['w3', 'w1', 'w2', 'w1']);
    assert.ok(keys.every((k) => a.owner(k) === b.owner(k)));
    assert.deepEqual(b.members(), ['w1', 'w2', 'w3']);
  });
  test('three members share the keys roughly evenly', () => {
    const shares = [...split(new HashRing(['w1', 'w2', 'w3'])).values()].map((l) => l.length);
    assert.equal(shares.length, 3);
    for (const n of shares) assert.ok(n > 600 / 3 / 2 && n < (600 / 3) * 1.5, `share ${n} of 600`);
  });
  test('a member leaving moves only its own keys', () => {
    const before = new HashRing(['w1', 'w2', 'w3']);
    const after = new HashRing(['w1', 'w3']);
    for (const k of keys) {
      const was = before.owner(k);
      if (was !== 'w2') assert.equal(after.owner(k), was, `${k} stayed with ${was}`);
      else assert.notEqual(after.owner(k), 'w2');
    }
  });
});

forEachEngine('worker registry and takeover', (fresh) => {
  const setup = async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    const timers = new FakeTimers(1_000_000);
    const registry = new WorkerRegistry(db, () => timers.now());
    const leases = new Leases(db, () => timers.now());
    // Memberships schedule on timers of their own, never advanced here, so a test beats them by hand (or
    // not at all: a dead worker); the registry's clock is the one that moves.
    const worker = (id: string, beatTimers = new FakeTimers()) =>
      new Membership({ registry, group: 'conductor', id, ttlMs: 3000, timers: beatTimers });
    return { db, timers, registry, leases, worker };
  };

  test('3 workers split keys; one dies; its share moves; nothing is owned twice', async () => {
    const { timers, registry, leases, worker } = await setup();
    const ws = [worker('w1'), worker('w2'), worker('w3')];
    for (const w of ws) await w.start(ctx);
    for (const w of ws) await w.refresh();
    const owners = (members: Membership[]) =>
      new Map(keys.map((k) => [k, members.filter((w) => w.owns(k)).map((w) => w.id)]));
    const first = owners(ws);
    for (const [k, o] of first) assert.equal(o.length, 1, `${k} owned by exactly one of ${o}`);
    const share = (id: string) => keys.filter((k) => first.get(k)?.[0] === id);
    assert.ok(
      ws.every((w) => share(w.id).length > 0),
      'every worker has a share',
    );

    // w2 held leases on part of its share, then died: it stops beating and never releases.
    const held = share('w2').slice(0, 5);
    for (const k of held) assert.equal((await leases.claim(k, 'w2', 'deploy', 3000)).claimed, true);
    // w2's process is gone: it beats no more and releases nothing. The survivors beat as time passes.
    const [w1, , w3] = ws as [Membership, Membership, Membership];
    for (let t = 0; t < 4; t++) {
      timers.advance(1000);
      await w1.beat();
      await w3.beat();
    }
    assert.deepEqual(
      (await registry.live('conductor')).map((w) => w.id),
      ['w1', 'w3'],
    );
    const after = owners([w1, w3]);
    for (const [k, o] of after) {
      assert.equal(o.length, 1, `${k} owned by exactly one survivor, not ${o}`);
      const was = first.get(k)?.[0];
      if (was !== 'w2') assert.deepEqual(o, [was], `${k} stayed with ${was}`);
    }
    // Each orphaned lease is found by exactly one survivor, the one the ring gives it to.
    const found1 = (await orphans(leases, w1.ring(), 'w1', 'node:')).map((l) => l.resource);
    const found3 = (await orphans(leases, w3.ring(), 'w3', 'node:')).map((l) => l.resource);
    assert.deepEqual([...found1, ...found3].sort(), [...held].sort());
    assert.equal(found1.filter((k) => found3.includes(k)).length, 0);
    // The takeover periodic enqueues them; the claims succeed with a new generation.
    const enqueued: string[] = [];
    await w1.takeover('node:', 1000, leases, (k) => enqueued.push(k)).run(ctx);
    assert.deepEqual(enqueued, found1);
    for (const k of found1) {
      const c = await leases.claim(k, 'w1', 'deploy', 3000);
      assert.deepEqual([c.claimed, c.tookOverFrom, c.generation], [true, 'w2', 2]);
    }
    assert.deepEqual(await orphans(leases, w1.ring(), 'w1', 'node:'), [], 'nothing left for w1');
    await w1.stop();
    await w3.stop();
  });

  test('heartbeats run on the timer; a removed row re-registers; stop leaves the group', async () => {
    const { timers, registry, worker } = await setup();
    const w = worker('w9', timers);
    await w.start(ctx);
    await registry.deregister('conductor', 'w9');
    assert.deepEqual(await registry.live('conductor'), []);
    timers.advance(1000);
    // The beat's write is a database round trip (PostgreSQL: another process), so wait for it to land,
    // bounded by a count of turns, not by a time.
    let live: string[] = [];
    for (let i = 0; i < 500 && live.length === 0; i++) {
      await new Promise<void>((r) => setTimeout(r, 2));
      live = (await registry.live('conductor')).map((x) => x.id);
    }
    await w.refresh();
    assert.deepEqual(live, ['w9'], 'the beat put it back');
    assert.ok(w.owns('anything'));
    await w.stop();
    assert.deepEqual(await registry.live('conductor'), []);
    assert.equal(timers.pending, 0);
  });

  test('prune forgets long-dead workers only', async () => {
    const { timers, registry } = await setup();
    await registry.register('g', 'old', 1000);
    timers.advance(5000);
    await registry.register('g', 'new', 1000);
    assert.equal(await registry.prune('g', 2000), 1);
    assert.deepEqual(
      (await registry.live('g')).map((w) => w.id),
      ['new'],
    );
  });
});
