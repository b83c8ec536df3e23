// The reconcile loop (controller-runtime's workqueue and Result, the DHCP agent's loop made general): keys
// name resources to bring to their desired state. A key waiting is waiting once however often it is
// enqueued; a key is never reconciled twice at once, and a change during its pass earns one more pass. Each
// pass ends in one of a closed set of outcomes; errors retry with exponential backoff and jitter. Wake-ups
// come from the database's notify/listen, from periodic resyncs and from enqueue().
import { type Ctx, childCtx } from '../context.ts';
import type { Database } from '../db/types.ts';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { realTimers, type Timers } from './timers.ts';

export type Outcome =
  | { kind: 'done' }
  | { kind: 'requeue'; afterMs: number }
  | { kind: 'error'; error: unknown };

export const done = (): Outcome => ({ kind: 'done' });
export const requeueAfter = (afterMs: number): Outcome => ({ kind: 'requeue', afterMs });
export const failed = (error: unknown): Outcome => ({ kind: 'error', error });

export interface Periodic {
  name: string;
  everyMs: number;
  run(ctx: Ctx): Promise<void>;
}

export interface ReconcilerOptions {
  /** Names the loop in logs. */
  name: string;
  /** One pass over one key. A throw counts as { kind: 'error' }. */
  reconcile(ctx: Ctx, key: string): Promise<Outcome>;
  /** How many keys are reconciled at once (default 4). */
  concurrency?: number;
  backoff?: Backoff;
  /** Every everyMs, enqueue every key `keys` lists (the safety net under missed wake-ups). */
  resync?: { everyMs: number; keys(ctx: Ctx): Promise<string[]> };
  /** Other work on a period (sweeps, takeovers); a run starts everyMs after the previous one ended. */
  periodic?: readonly Periodic[];
  /** Wake-ups: each notification on `channel` enqueues keyOf(payload) (the payload itself by default). */
  wake?: { db: Database; channel: string; keyOf?: (payload: string) => string | null };
  timers?: Timers;
  random?: () => number;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #timers: Timers;
  readonly #concurrency: number;
  readonly #ready = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; handle: unknown }>();
  readonly #failures = new Map<string, number>();
  readonly #periodTimers = new Set<unknown>();
  readonly #periodRuns = new Set<Promise<void>>();
  readonly #stopping = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  #ctx: Ctx | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(o: ReconcilerOptions) {
    this.#o = o;
    this.#timers = o.timers ?? realTimers;
    this.#concurrency = Math.max(1, o.concurrency ?? 4);
  }

  async start(ctx: Ctx): Promise<void> {
    this.#ctx = childCtx(ctx, { loop: this.#o.name }, this.#stopping.signal);
    const wake = this.#o.wake;
    if (wake)
      this.#unlisten = await wake.db.listen(wake.channel, (payload) => {
        const key = wake.keyOf ? wake.keyOf(payload) : payload;
        if (key) this.enqueue(key);
      });
    const periodic = [...(this.#o.periodic ?? [])];
    const resync = this.#o.resync;
    if (resync)
      periodic.unshift({
        name: 'resync',
        everyMs: resync.everyMs,
        run: async (c) => {
          for (const key of await resync.keys(c)) this.enqueue(key);
        },
      });
    for (const p of periodic) {
      // The first run is now: a starting worker catches up before it waits.
      this.#runPeriodic(p);
    }
    this.#pump(); // keys enqueued before the start
  }

  /** Stops taking work, cancels timers and the running passes' signal, and waits for them to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort(new Error(`${this.#o.name} stopping`));
    for (const h of this.#periodTimers) this.#timers.clearTimeout(h);
    this.#periodTimers.clear();
    for (const d of this.#delayed.values()) this.#timers.clearTimeout(d.handle);
    this.#delayed.clear();
    this.#ready.clear();
    this.#dirty.clear();
    await this.#unlisten?.();
    await Promise.allSettled([...this.#running.values(), ...this.#periodRuns]);
    this.#settleIdle();
  }

  /** Asks for a pass over key, now or after afterMs; an earlier request for the same key wins. */
  enqueue(key: string, afterMs = 0): void {
    if (this.#stopped) return;
    if (afterMs > 0) {
      if (this.#ready.has(key) || this.#dirty.has(key)) return;
      const at = this.#timers.now() + afterMs;
      const current = this.#delayed.get(key);
      if (current && current.at <= at) return;
      if (current) this.#timers.clearTimeout(current.handle);
      const handle = this.#timers.setTimeout(() => {
        this.#delayed.delete(key);
        this.enqueue(key);
      }, afterMs);
      this.#delayed.set(key, { at, handle });
      return;
    }
    const delayed = this.#delayed.get(key);
    if (delayed) {
      this.#timers.clearTimeout(delayed.handle);
      this.#delayed.delete(key);
    }
    if (this.#running.has(key)) this.#dirty.add(key);
    else this.#ready.add(key);
    this.#pump();
  }

  /** Consecutive failures of a key since its last success. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Keys waiting for a retry or a requeue, with when they are due. */
  scheduled(): Map<string, number> {
    return new Map([...this.#delayed].map(([k, d]) => [k, d.at]));
  }

  /** How many passes are running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /**
   * Resolves once no key is ready or running and no periodic task is running (delayed keys and the next
   * periodic runs may still wait for their time).
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return (
      this.#running.size === 0 && this.#periodRuns.size === 0 && (this.#ready.size === 0 || this.#stopped)
    );
  }

  #settleIdle(): void {
    if (!this.#isIdle()) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #pump(): void {
    const ctx = this.#ctx;
    if (!ctx) return; // not started: keys wait in the queue
    while (!this.#stopped && this.#running.size < this.#concurrency && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string;
      this.#ready.delete(key);
      const run = this.#pass(ctx, key).finally(() => {
        this.#running.delete(key);
        if (this.#dirty.delete(key) && !this.#stopped) this.#ready.add(key);
        this.#pump();
        this.#settleIdle();
      });
      this.#running.set(key, run);
    }
  }

  async #pass(ctx: Ctx, key: string): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.#o.reconcile(childCtx(ctx, { key }), key);
    } catch (e) {
      outcome = failed(e);
    }
    if (this.#stopped) return;
    switch (outcome.kind) {
      case 'done':
        this.#failures.delete(key);
        return;
      case 'requeue':
        this.#failures.delete(key);
        this.enqueue(key, Math.max(1, outcome.afterMs));
        return;
      case 'error': {
        const n = this.failures(key) + 1;
        this.#failures.set(key, n);
        const delay = backoffDelay(n, this.#o.backoff ?? DEFAULT_BACKOFF, this.#o.random);
        ctx.log.warn({ err: outcome.error, key, failures: n, retryInMs: delay }, 'reconcile failed');
        this.enqueue(key, Math.max(1, delay));
        return;
      }
    }
  }

  #runPeriodic(p: Periodic): void {
    const ctx = this.#ctx;
    if (this.#stopped || !ctx) return;
    const run = p
      .run(childCtx(ctx, { periodic: p.name }))
      .catch((e) => ctx.log.error({ err: e, periodic: p.name }, 'periodic task failed'))
      .finally(() => {
        this.#periodRuns.delete(run);
        this.#settleIdle();
        if (this.#stopped) return;
        const handle = this.#timers.setTimeout(() => {
          this.#periodTimers.delete(handle);
          this.#runPeriodic(p);
        }, p.everyMs);
        this.#periodTimers.add(handle);
      });
    this.#periodRuns.add(run);
  }
}
