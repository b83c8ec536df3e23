// A QMP client: one unix-socket connection, the greeting, qmp_capabilities, then commands answered in order.
import { createConnection, type Socket } from 'node:net';
import type { Ctx } from '../../platform/context.ts';

export class QmpError extends Error {}

export class Qmp {
  readonly #sock: Socket;
  #buf = '';
  #waiting: { resolve(v: unknown): void; reject(e: Error): void }[] = [];
  #greeted: Promise<void>;
  #closed = false;

  private constructor(sock: Socket) {
    this.#sock = sock;
    let onGreeting: () => void = () => {};
    this.#greeted = new Promise<void>((resolve) => {
      onGreeting = resolve;
    });
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.#buf += d;
      for (let nl = this.#buf.indexOf('\n'); nl >= 0; nl = this.#buf.indexOf('\n')) {
        const line = this.#buf.slice(0, nl).trim();
        this.#buf = this.#buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('QMP' in msg) onGreeting();
        else if ('return' in msg) this.#waiting.shift()?.resolve(msg.return);
        else if ('error' in msg) {
          const err = msg.error as { class?: string; desc?: string };
          this.#waiting.shift()?.reject(new QmpError(`${err.class ?? 'QMP error'}: ${err.desc ?? ''}`));
        }
        // Events ("event" messages) are not needed by the lab.
      }
    });
    const fail = (e: Error) => {
      this.#closed = true;
      for (const w of this.#waiting.splice(0)) w.reject(e);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new QmpError('QMP connection closed')));
  }

  static async connect(ctx: Ctx, path: string, timeoutMs = 5000): Promise<Qmp> {
    const sock = createConnection(path);
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    await new Promise<void>((resolve, reject) => {
      const abort = () => reject(new QmpError(`QMP ${path}: no connection within ${timeoutMs} ms`));
      signal.addEventListener('abort', abort, { once: true });
      sock.once('connect', () => {
        signal.removeEventListener('abort', abort);
        resolve();
      });
      sock.once('error', (e) => {
        signal.removeEventListener('abort', abort);
        reject(new QmpError(`QMP ${path}: ${e.message}`));
      });
    });
    const q = new Qmp(sock);
    await Promise.race([
      q.#greeted,
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new QmpError('QMP: no greeting')), { once: true }),
      ),
    ]);
    await q.execute('qmp_capabilities');
    return q;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpError('QMP connection closed'));
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.#sock.write(
        `${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`,
      );
    });
  }

  close(): void {
    this.#closed = true;
    this.#sock.destroy();
  }
}

/** Connects, runs one command, disconnects. */
export async function qmpCommand<T = unknown>(
  ctx: Ctx,
  path: string,
  command: string,
  args?: Record<string, unknown>,
): Promise<T> {
  const q = await Qmp.connect(ctx, path);
  try {
    return await q.execute<T>(command, args);
  } finally {
    q.close();
  }
}
