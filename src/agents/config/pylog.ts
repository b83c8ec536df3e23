// Log lines shaped like the originals' Python logging output, so operators' greps keep working.
import { appendFileSync } from 'node:fs';

export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
const RANK: Record<Level, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// '%Y/%m/%d %I:%M:%S %p' (os-apply-config's datefmt), local time.
export function oacTime(d = new Date()): string {
  const h = d.getHours() % 12 || 12;
  const day = `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())}`;
  return `${day} ${pad(h)}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}

// logging's default asctime: '%Y-%m-%d %H:%M:%S,mmm', local time.
export function defaultTime(d = new Date()): string {
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

export type Logger = {
  debug(msg: string): void;
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  level: Level;
};

export function makeLogger(
  format: (level: Level, msg: string) => string,
  level: Level,
  files: string[] = [],
): Logger {
  const emit = (l: Level, msg: string) => {
    if (RANK[l] < RANK[logger.level]) return;
    const line = format(l, msg) + '\n';
    process.stderr.write(line);
    for (const f of files) {
      try {
        appendFileSync(f, line);
      } catch {
        // The log file is a copy for root's convenience; stderr already has the line.
      }
    }
  };
  const logger: Logger = {
    level,
    debug: (m) => emit('DEBUG', m),
    info: (m) => emit('INFO', m),
    warning: (m) => emit('WARNING', m),
    error: (m) => emit('ERROR', m),
  };
  return logger;
}

// Python's OSError text: "[Errno 2] No such file or directory: 'path'".
const ERRNO: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EISDIR: [21, 'Is a directory'],
  ENOTDIR: [20, 'Not a directory'],
  EEXIST: [17, 'File exists'],
  EPERM: [1, 'Operation not permitted'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  ENOEXEC: [8, 'Exec format error'],
};

export function osErrorText(e: unknown, path?: string): string {
  const err = e as NodeJS.ErrnoException;
  const known = err.code ? ERRNO[err.code] : undefined;
  if (!known) return err.message;
  const where = path === undefined ? '' : `: '${path}'`;
  return `[Errno ${known[0]}] ${known[1]}${where}`;
}
