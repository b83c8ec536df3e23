// Structured logging (pino, the logger Fastify is built on) with secrets redacted at any depth, in
// what each call logs and in a child logger's bindings (see redact.ts for which keys).
import { type Logger, pino } from 'pino';
import { redactSecrets } from './redact.ts';

export type { Logger };

export function createLogger(
  opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const root = pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'ooo',
      formatters: { log: (obj) => redactSecrets(obj) },
    },
    // biome-ignore lint/suspicious/noExplicitAny: pino accepts any writable stream here
    (opts.destination ?? process.stderr) as any,
  );
  // pino serializes a child's bindings once, without the log formatter, and builds every child on its
  // parent's prototype chain: replacing child() here covers children of children too.
  const child = root.child;
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return root;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
