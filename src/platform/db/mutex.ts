// A FIFO async mutex: node:sqlite is synchronous on one connection, so a transaction that awaits between
// statements must keep every other statement out until it ends.
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
