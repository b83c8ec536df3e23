// Every state change of a stack or resource, with its event, goes through here. Writes made while
// other writes are pending are batched into one transaction per root stack, and each transaction first
// checks that this engine still holds the root stack's lease: an engine that lost it cannot overwrite
// the work of the one that took over (fencing).
import type { Database, Queryable } from '../../platform/db/types.ts';
import { conflict } from '../../platform/errors/catalogue.ts';

type Write = (q: Queryable) => Promise<void>;

interface Pending {
  root: string;
  write: Write;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Journal {
  readonly #db: Database;
  readonly #owner: string;
  readonly #now: () => number;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: Database, owner: string, now: () => number = Date.now) {
    this.#db = db;
    this.#owner = owner;
    this.#now = now;
  }

  static leaseName(rootStackId: string): string {
    return `stack:${rootStackId}`;
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
      try {
        await this.#db.tx(async (q) => {
          const held = await q.get(
            'SELECT 1 AS ok FROM leases WHERE resource = ? AND owner = ? AND expires_at > ?',
            [Journal.leaseName(root), this.#owner, this.#now()],
          );
          if (!held)
            throw conflict(`The lease on stack ${root} was lost; another engine owns it now.`, {
              type: 'StackLocked',
            });
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
