// Every state change of a stack or resource, with its event, goes through here. Writes made while
// others are pending are batched into one transaction per root stack, run through the fenced task that
// holds the root stack's lease (task.tx): an engine that lost the lease gets LeaseLost instead of
// overwriting the work of the engine that took over.
import type { Queryable } from '../../platform/db/types.ts';
import { leaseLost, type Task } from '../../platform/work/task.ts';

type Write = (q: Queryable) => Promise<void>;

interface Pending {
  root: string;
  write: Write;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Journal {
  readonly #owner: string;
  readonly #tasks = new Map<string, Task>();
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(owner: string) {
    this.#owner = owner;
  }

  static leaseName(rootStackId: string): string {
    return `stack:${rootStackId}`;
  }

  /** The task whose lease fences the writes of this root stack (and its nested stacks). */
  attach(rootStackId: string, task: Task): void {
    this.#tasks.set(rootStackId, task);
  }

  detach(rootStackId: string): void {
    this.#tasks.delete(rootStackId);
  }

  /** Resolves once the write committed (in a batch with others), rejects if the lease was lost. */
  write(rootStackId: string, write: Write): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ root: rootStackId, write, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const byRoot = new Map<string, Pending[]>();
    for (const p of batch) byRoot.set(p.root, [...(byRoot.get(p.root) ?? []), p]);
    for (const [root, items] of byRoot) {
      const task = this.#tasks.get(root);
      try {
        if (!task) throw leaseLost(Journal.leaseName(root), this.#owner);
        await task.tx(async (q) => {
          for (const i of items) await i.write(q);
        });
        for (const i of items) i.resolve();
      } catch (e) {
        for (const i of items) i.reject(e);
      }
    }
    this.#scheduled = false;
    if (this.#queue.length > 0) {
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    }
  }
}
