import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/platform/db/migrate.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { isLeaseLost, withTask } from '../../src/platform/work/task.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

forEachEngine('fenced tasks and transactional events', (fresh, engine) => {
  const setup = async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await db.exec('CREATE TABLE things (id TEXT PRIMARY KEY, value TEXT NOT NULL)');
    await db.run("INSERT INTO things (id, value) VALUES ('n1', 'initial')");
    let now = 1_000_000;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    return { db, clock, leases: new Leases(db, clock.now), events: new EventLog(db, clock.now) };
  };
  // Long enough that the real-time renewal never fires during a test; expiry comes from the fake clock.
  const spec = { resource: 'node:n1', purpose: 'deploy', ttlMs: 60_000 };
  const write = (value: string) => async (q: import('../../src/platform/db/types.ts').Queryable) =>
    q.run("UPDATE things SET value = ? WHERE id = 'n1'", [value]);

  test('generations: a new holding bumps it, a live re-claim by the holder keeps it', async () => {
    const { leases, clock } = await setup();
    const gen = async (owner: string) => (await leases.claim('r', owner, 'p', 1000)).generation;
    assert.equal(await gen('a'), 1);
    assert.equal(await gen('a'), 1, 'renewing a live lease is the same holding');
    assert.equal(await gen('b'), undefined, 'held by a');
    clock.advance(1000);
    assert.equal(await gen('a'), 2, 're-claiming its own expired lease is a new holding');
    assert.equal(await leases.release('r', 'a', 1), false, 'an old holding cannot release the new one');
    assert.equal(await leases.release('r', 'a', 2), true);
    assert.equal(await leases.get('r'), undefined, 'released');
    assert.deepEqual(await leases.expired('r'), [], 'a released lease is nobody’s to take over');
    assert.equal(await gen('a'), 3, 'the generation survives a release');
    clock.advance(1000);
    assert.equal(await gen('b'), 4);
  });

  test('expired() takes its prefix literally', async () => {
    const { leases, clock } = await setup();
    await leases.claim('node_1', 'a', 'p', 10);
    await leases.claim('nodeX1', 'a', 'p', 10);
    clock.advance(10);
    assert.deepEqual(
      (await leases.expired('node_')).map((l) => l.resource),
      ['node_1'],
    );
  });

  test('two workers, a lease that expires mid-task: the loser cannot write, the successor can', async () => {
    const { db, leases, clock } = await setup();
    let successorDone: Promise<unknown> | undefined;
    const loser = await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (task) => {
      assert.equal(task.generation, 1);
      await task.tx(write('w1 step 1'));
      // w1 stalls past its expiry; w2 takes the node over and finishes its work.
      clock.advance(60_001);
      successorDone = withTask(ctx, leases, { ...spec, owner: 'w2' }, async (t2) => {
        assert.equal(t2.generation, 2);
        await t2.tx(write('w2'));
        return 'w2 done';
      });
      assert.equal(await successorDone, 'w2 done');
      assert.equal(task.signal.aborted, false, 'nothing has told w1 yet');
      const err = await task.tx(write('w1 step 2')).catch((e: unknown) => e);
      assert.ok(isLeaseLost(err), `LeaseLost, not ${String(err)}`);
      assert.equal((err as { status: number }).status, 409);
      assert.equal(task.signal.aborted, true, 'a failed check aborts the task');
      return 'w1 gave up';
    });
    assert.equal(loser, 'w1 gave up');
    assert.equal((await db.get<{ value: string }>("SELECT value FROM things WHERE id = 'n1'"))?.value, 'w2');
    assert.equal(await leases.get('node:n1'), undefined, 'the successor released it; the loser did not');
  });

  test('a takeover waits for a fenced transaction in flight: it cannot land in its middle', async () => {
    const { db, leases, clock } = await setup();
    const order: string[] = [];
    let takeover: Promise<unknown> | undefined;
    await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (task) => {
      await task.tx(async (q) => {
        // The lease expires while w1 is inside a transaction that has already passed its check.
        clock.advance(60_001);
        takeover = leases
          .claim('node:n1', 'w2', 'deploy', 60_000)
          .then((c) => order.push(`w2 claimed ${c.claimed}`));
        if (engine === 'postgres') await blockedOnALock(db, () => order.length > 0);
        await write('w1 inside')(q);
        order.push('w1 wrote');
      });
      order.push('w1 committed');
      await takeover;
    });
    // w2's claim waits for w1's transaction: it never lands before w1's write. Once w1's COMMIT releases the
    // row, w2's claim and w1's return race to be logged first, so only the write's place is fixed.
    assert.equal(order[0], 'w1 wrote');
    assert.deepEqual([...order].sort(), ['w1 committed', 'w1 wrote', 'w2 claimed true']);
    assert.equal((await leases.get('node:n1'))?.owner, 'w2');
    assert.equal((await leases.get('node:n1'))?.generation, 2);
  });

  test('a loser that never noticed: its write fails even after the successor released', async () => {
    const { db, leases, clock } = await setup();
    await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (task) => {
      clock.advance(60_001);
      await withTask(ctx, leases, { ...spec, owner: 'w2' }, (t2) => t2.tx(write('w2')));
      // w2 released: the lease row is free, but w1's generation is gone for good.
      await assert.rejects(task.tx(write('w1')), isLeaseLost);
    });
    assert.equal((await db.get<{ value: string }>("SELECT value FROM things WHERE id = 'n1'"))?.value, 'w2');
  });

  test('the same owner re-claiming later does not revive an old task', async () => {
    const { db, leases, clock } = await setup();
    await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (old) => {
      clock.advance(60_001);
      await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (fresh) => {
        assert.equal(fresh.generation, old.generation + 1);
        await fresh.tx(write('fresh'));
        await assert.rejects(old.tx(write('old')), isLeaseLost);
      });
    });
    assert.equal(
      (await db.get<{ value: string }>("SELECT value FROM things WHERE id = 'n1'"))?.value,
      'fresh',
    );
  });

  test('a failing body rolls back its writes and keeps the lease', async () => {
    const { db, leases } = await setup();
    await withTask(ctx, leases, { ...spec, owner: 'w1' }, async (task) => {
      await assert.rejects(
        task.tx(async (q) => {
          await write('half')(q);
          throw new Error('boom');
        }),
        /boom/,
      );
      await task.tx(write('whole'));
    });
    assert.equal(
      (await db.get<{ value: string }>("SELECT value FROM things WHERE id = 'n1'"))?.value,
      'whole',
    );
  });

  test('a held resource refuses a second task with Locked', async () => {
    const { leases } = await setup();
    await withTask(ctx, leases, { ...spec, owner: 'w1' }, async () => {
      await assert.rejects(
        withTask(ctx, leases, { ...spec, owner: 'w2' }, async () => undefined),
        (e: { status?: number; type?: string }) => e.status === 409 && e.type === 'Locked',
      );
    });
  });

  test('an event appended in a transaction commits or rolls back with it; the wake-up follows commit', async () => {
    const { db, events } = await setup();
    const woken: string[] = [];
    let wake = () => {};
    const arrived = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const stop = await db.listen('events', (p) => {
      woken.push(p);
      wake();
    });
    try {
      const ev = { resourceType: 'node', resourceId: 'n1', from: 'available', to: 'deploying' };
      await assert.rejects(
        db.tx(async (q) => {
          await write('deploying')(q);
          await events.append(ev, q);
          throw new Error('crash before commit');
        }),
      );
      assert.deepEqual(await events.list('node', 'n1'), []);
      await db.tx(async (q) => {
        await write('deploying')(q);
        await events.append(ev, q);
        assert.deepEqual(woken, [], 'no wake-up before commit');
      });
      assert.equal((await events.list('node', 'n1')).length, 1);
      await arrived;
      assert.deepEqual(woken, ['node:n1'], 'one wake-up, for the committed event only');
    } finally {
      await stop();
    }
  });

  test('listSince pages through the whole log', async () => {
    const { events } = await setup();
    for (let i = 0; i < 5; i++)
      await events.append({
        resourceType: i % 2 ? 'stack' : 'node',
        resourceId: `r${i}`,
        from: null,
        to: 'x',
      });
    const first = await events.listSince(0, { limit: 2 });
    assert.deepEqual(
      first.map((e) => e.resourceId),
      ['r0', 'r1'],
    );
    const rest = await events.listSince(first.at(-1)?.id ?? 0, { limit: 10 });
    assert.deepEqual(
      rest.map((e) => e.resourceId),
      ['r2', 'r3', 'r4'],
    );
    assert.deepEqual(
      (await events.listSince(0, { resourceType: 'stack' })).map((e) => e.resourceId),
      ['r1', 'r3'],
    );
  });
});

/**
 * Waits until some session of this database waits on a lock (the claim queued behind the row lock), or
 * until `settled` says the claim already finished without waiting (then the ordering assert fails).
 */
async function blockedOnALock(db: Database, settled: () => boolean): Promise<void> {
  while (!settled()) {
    const row = await db.get<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((row?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
