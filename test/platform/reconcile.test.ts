import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { type Backoff, backoffDelay } from '../../src/platform/work/backoff.ts';
import {
  done,
  failed,
  type Outcome,
  Reconciler,
  type ReconcilerOptions,
  requeueAfter,
} from '../../src/platform/work/reconcile.ts';
import { FakeTimers } from '../../src/platform/work/timers.ts';
import { forEachEngine } from '../support/engines.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

describe('backoff', () => {
  const b: Backoff = { baseMs: 100, maxMs: 5000, factor: 2, jitter: 0 };
  const cases: [string, number, Backoff, number, number][] = [
    ['no failure, no delay', 0, b, 0.5, 0],
    ['first failure: the base', 1, b, 0.5, 100],
    ['doubles', 2, b, 0.5, 200],
    ['doubles again', 4, b, 0.5, 800],
    ['capped', 7, b, 0.5, 5000],
    ['capped far out (no overflow)', 5000, b, 0.5, 5000],
    ['factor 3', 3, { ...b, factor: 3 }, 0.5, 900],
    ['jitter 0.5, random 0: all of it', 3, { ...b, jitter: 0.5 }, 0, 400],
    ['jitter 0.5, random 1: half of it', 3, { ...b, jitter: 0.5 }, 1, 200],
    ['jitter 0.2, random 0.5', 1, { ...b, jitter: 0.2 }, 0.5, 90],
    ['jitter never lifts past the cap', 9, { ...b, jitter: 0.3 }, 0, 5000],
    ['jitter above 1 is clamped', 1, { ...b, jitter: 7 }, 1, 0],
  ];
  for (const [name, failures, backoff, random, want] of cases)
    test(name, () =>
      assert.equal(
        backoffDelay(failures, backoff, () => random),
        want,
      ),
    );
});

/** A reconcile function whose passes the test finishes by hand, recording what ran. */
function scripted() {
  const calls: string[] = [];
  const open = new Map<string, ((o: Outcome) => void)[]>();
  let max = 0;
  let now = 0;
  const reconcile = (_c: unknown, key: string) => {
    calls.push(key);
    now++;
    max = Math.max(max, now);
    return new Promise<Outcome>((resolve) => {
      const list = open.get(key) ?? [];
      list.push((o) => {
        now--;
        resolve(o);
      });
      open.set(key, list);
    });
  };
  const finish = (key: string, o: Outcome = done()) => {
    const r = open.get(key)?.shift();
    if (!r) throw new Error(`${key} is not running`);
    r(o);
  };
  return {
    calls,
    reconcile,
    finish,
    maxInFlight: () => max,
    running: () => [...open].filter(([, l]) => l.length > 0).map(([k]) => k),
  };
}

/** Lets the passes that just ended run their bookkeeping (promise callbacks only; no time passes). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function loop(
  o: Partial<ReconcilerOptions> & Pick<ReconcilerOptions, 'reconcile'>,
  timers = new FakeTimers(),
) {
  const r = new Reconciler({ name: 'test', timers, random: () => 0, ...o });
  return { r, timers };
}

describe('reconcile loop', () => {
  test('concurrency is bounded and every key gets its pass', async () => {
    const s = scripted();
    const { r } = loop({ reconcile: s.reconcile, concurrency: 2 });
    await r.start(ctx);
    for (const k of ['a', 'b', 'c', 'd', 'e']) r.enqueue(k);
    assert.deepEqual(s.calls, ['a', 'b']);
    s.finish('a');
    await settle();
    assert.deepEqual(s.calls, ['a', 'b', 'c']);
    for (const k of ['b', 'c']) s.finish(k);
    await settle();
    for (const k of ['d', 'e']) s.finish(k);
    await r.idle();
    assert.deepEqual(s.calls, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(s.maxInFlight(), 2);
    await r.stop();
  });

  test('enqueues coalesce: waiting keys once, a running key earns exactly one more pass', async () => {
    const s = scripted();
    const { r } = loop({ reconcile: s.reconcile, concurrency: 1 });
    await r.start(ctx);
    r.enqueue('a');
    for (let i = 0; i < 3; i++) r.enqueue('b'); // b waits behind a: once
    for (let i = 0; i < 3; i++) r.enqueue('a'); // a is running: one more pass after this one
    s.finish('a');
    await settle();
    assert.deepEqual(s.calls, ['a', 'b'], 'b was waiting first');
    s.finish('b');
    await settle();
    assert.deepEqual(s.calls, ['a', 'b', 'a']);
    s.finish('a');
    await r.idle();
    assert.deepEqual(s.calls, ['a', 'b', 'a']);
    await r.stop();
  });

  test('a key is never reconciled twice at once', async () => {
    const s = scripted();
    const { r } = loop({ reconcile: s.reconcile, concurrency: 8 });
    await r.start(ctx);
    r.enqueue('a');
    r.enqueue('a');
    r.enqueue('b');
    assert.deepEqual(s.running(), ['a', 'b']);
    assert.equal(r.inFlight, 2);
    s.finish('a');
    await settle();
    assert.deepEqual(s.calls, ['a', 'b', 'a']);
    s.finish('a');
    s.finish('b');
    await r.idle();
    await r.stop();
  });

  test('errors retry with growing delays; a success resets the count', async () => {
    const outcomes: Outcome[] = [
      failed(new Error('x')),
      failed(new Error('y')),
      done(),
      failed(new Error('z')),
    ];
    const calls: number[] = [];
    const timers = new FakeTimers();
    const { r } = loop(
      {
        reconcile: async () => {
          calls.push(timers.now());
          return outcomes.shift() ?? done();
        },
        backoff: { baseMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
      },
      timers,
    );
    await r.start(ctx);
    r.enqueue('k');
    await r.idle();
    assert.equal(r.failures('k'), 1);
    assert.deepEqual([...r.scheduled()], [['k', 100]]);
    timers.advance(99);
    await r.idle();
    assert.deepEqual(calls, [0], 'not before its time');
    timers.advance(1);
    await r.idle();
    assert.deepEqual(calls, [0, 100]);
    assert.equal(r.failures('k'), 2);
    timers.advance(200);
    await r.idle();
    assert.deepEqual(calls, [0, 100, 300]);
    assert.equal(r.failures('k'), 0, 'done resets');
    assert.equal(r.scheduled().size, 0);
    r.enqueue('k');
    await r.idle();
    assert.deepEqual([...r.scheduled()], [['k', 400]], 'back to the base delay');
    await r.stop();
  });

  test('a throw is an error outcome; requeue comes back after its delay; enqueue now beats a wait', async () => {
    const timers = new FakeTimers();
    const seen: [string, number][] = [];
    let first = true;
    const { r } = loop(
      {
        reconcile: async (_c, key) => {
          seen.push([key, timers.now()]);
          if (key === 'boom') throw new Error('boom');
          if (first) {
            first = false;
            return requeueAfter(1000);
          }
          return done();
        },
        backoff: { baseMs: 50, maxMs: 50, factor: 2, jitter: 0 },
      },
      timers,
    );
    await r.start(ctx);
    r.enqueue('boom');
    r.enqueue('poll');
    await r.idle();
    assert.deepEqual(Object.fromEntries(r.scheduled()), { boom: 50, poll: 1000 });
    timers.advance(400);
    r.enqueue('poll'); // a change arrived: no need to wait for the poll
    await r.idle();
    assert.deepEqual(seen.slice(2), [
      ['boom', 50],
      ['poll', 400],
    ]);
    assert.equal(r.scheduled().has('poll'), false);
    await r.stop();
  });

  test('periodic resync enqueues every key; other periodic tasks run on their period', async () => {
    const timers = new FakeTimers();
    const calls: string[] = [];
    let sweeps = 0;
    const { r } = loop(
      {
        reconcile: async (_c, key) => {
          calls.push(key);
          return done();
        },
        resync: { everyMs: 1000, keys: async () => ['x', 'y'] },
        periodic: [{ name: 'sweep', everyMs: 300, run: async () => void sweeps++ }],
      },
      timers,
    );
    await r.start(ctx);
    await settle();
    await r.idle();
    assert.deepEqual(calls, ['x', 'y'], 'resync at start');
    assert.equal(sweeps, 1);
    // A period starts when the previous run ended, so time moves in steps the runs can follow.
    for (let t = 0; t < 3; t++) {
      timers.advance(300);
      await settle();
    }
    timers.advance(99);
    await settle();
    await r.idle();
    assert.deepEqual(calls, ['x', 'y']);
    assert.equal(sweeps, 4, 'at 0, 300, 600, 900');
    timers.advance(1);
    await settle();
    await r.idle();
    assert.deepEqual(calls, ['x', 'y', 'x', 'y']);
    await r.stop();
    assert.equal(timers.pending, 0, 'stop leaves no timer behind');
  });

  test('keys enqueued before start run once it starts', async () => {
    const s = scripted();
    const { r } = loop({ reconcile: s.reconcile });
    r.enqueue('early');
    assert.deepEqual(s.calls, []);
    await r.start(ctx);
    assert.deepEqual(s.calls, ['early']);
    s.finish('early');
    await r.idle();
    await r.stop();
  });

  test('stop aborts running passes and refuses new keys', async () => {
    let signal: AbortSignal | undefined;
    const calls: string[] = [];
    const { r } = loop({
      reconcile: (c, key) => {
        calls.push(key);
        signal = c.signal;
        return new Promise((resolve) => c.signal.addEventListener('abort', () => resolve(done())));
      },
    });
    await r.start(ctx);
    r.enqueue('a');
    await r.stop();
    assert.equal(signal?.aborted, true);
    r.enqueue('b');
    await r.idle();
    assert.deepEqual(calls, ['a']);
  });
});

forEachEngine('reconcile wake-ups', (fresh) => {
  test('a notification on the channel enqueues its key', async () => {
    const db = await fresh();
    const seen: string[] = [];
    let resolve = () => {};
    const arrived = new Promise<void>((r) => {
      resolve = r;
    });
    const r = new Reconciler({
      name: 'wake',
      timers: new FakeTimers(),
      reconcile: async (_c, key) => {
        seen.push(key);
        resolve();
        return done();
      },
      wake: { db, channel: 'nodes', keyOf: (p) => (p.startsWith('node:') ? p.slice(5) : null) },
    });
    await r.start(ctx);
    await db.notify('nodes', 'other:1');
    await db.tx(async (q) => db.notify('nodes', 'node:n7', q));
    await arrived;
    await r.idle();
    assert.deepEqual(seen, ['n7']);
    await r.stop();
  });
});
