// The pieces together, as a conductor uses them: three workers, each a reconcile loop over the keys its
// ring share gives it, each pass a fenced task. One worker dies holding leases; the survivors' takeover
// sweeps find its nodes, and each node is finished by exactly one survivor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/platform/db/migrate.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import {
  done,
  FakeTimers,
  Leases,
  Membership,
  platformMigrations,
  Reconciler,
  WorkerRegistry,
  withTask,
} from '../../src/platform/work/index.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };
const settle = () => new Promise<void>((r) => setImmediate(r));

forEachEngine('work runtime', (fresh) => {
  test('a dead worker’s nodes are taken over and finished once each', async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await db.exec('CREATE TABLE nodes (id TEXT PRIMARY KEY, state TEXT NOT NULL, done_by TEXT)');
    const nodes = Array.from({ length: 30 }, (_, i) => `n${i}`);
    for (const n of nodes) await db.run("INSERT INTO nodes (id, state) VALUES (?, 'deploying')", [n]);

    const clock = new FakeTimers(1_000_000);
    const registry = new WorkerRegistry(db, () => clock.now());
    const leases = new Leases(db, () => clock.now());
    const spec = (node: string, owner: string) => ({
      resource: `node:${node}`,
      owner,
      purpose: 'deploy',
      ttlMs: 5000,
    });

    // w3 starts deploying some nodes, then its process dies: leases held, never released.
    const members = ['w1', 'w2', 'w3'].map(
      (id) => new Membership({ registry, group: 'conductor', id, ttlMs: 3000, timers: new FakeTimers() }),
    );
    for (const m of members) await m.start(ctx);
    for (const m of members) await m.refresh();
    const [w1, w2, w3] = members as [Membership, Membership, Membership];
    const w3Share = nodes.filter((n) => w3.owns(`node:${n}`));
    assert.ok(w3Share.length > 0);
    for (const n of w3Share)
      assert.equal((await leases.claim(`node:${n}`, 'w3', 'deploy', 5000)).claimed, true);

    // Time passes; the survivors beat, w3 does not.
    for (let t = 0; t < 3; t++) {
      clock.advance(2000);
      await w1.beat();
      await w2.beat();
    }

    const finishedBy = new Map<string, string[]>();
    const loops = [w1, w2].map((m) => {
      const loop: Reconciler = new Reconciler({
        name: m.id,
        timers: clock,
        concurrency: 3,
        reconcile: (c, node) =>
          withTask(c, leases, spec(node, m.id), async (task) => {
            await task.tx(async (q) => {
              await q.run(
                "UPDATE nodes SET state = 'active', done_by = ? WHERE id = ? AND state = 'deploying'",
                [m.id, node],
              );
            });
            finishedBy.set(node, [...(finishedBy.get(node) ?? []), m.id]);
            return done();
          }),
        periodic: [
          m.takeover('node:', 1000, leases, (resource) => loop.enqueue(resource.slice('node:'.length))),
        ],
      });
      return loop;
    });
    for (const l of loops) await l.start(ctx);
    await settle();
    for (const l of loops) await l.idle();
    for (const l of loops) await l.stop();

    assert.deepEqual([...finishedBy.keys()].sort(), [...w3Share].sort(), 'exactly the dead worker’s nodes');
    for (const [node, by] of finishedBy) {
      assert.equal(by.length, 1, `${node} finished once`);
      assert.ok((by[0] === 'w1' ? w1 : w2).owns(`node:${node}`), `${node} by its ring owner`);
    }
    const rows = await db.all<{ id: string; state: string }>(
      "SELECT id, state FROM nodes WHERE state = 'active'",
    );
    assert.equal(rows.length, w3Share.length);
    assert.deepEqual(await leases.expired('node:'), [], 'nothing left to take over');
    await w1.stop();
    await w2.stop();
  });
});
