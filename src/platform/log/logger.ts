// Structured logging (pino, the logger Fastify is built on) with secrets redacted by path.
import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'auth.identity.password.user.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'driver_info.ipmi_password',
  '*.driver_info.ipmi_password',
  'driver_info.redfish_password',
  '*.driver_info.redfish_password',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
];

export function createLogger(
  opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'ooo',
      redact: { paths: REDACTED_PATHS, censor: '******' },
    },
    // biome-ignore lint/suspicious/noExplicitAny: pino accepts any writable stream here
    (opts.destination ?? process.stderr) as any,
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
