// os-refresh-config: runs the phases (pre-configure, configure, post-configure, migration) through
// dib-run-parts under a non-blocking lock; on failure runs error.d and exits 1.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { ArgError, type OptSpec, parseArgs, usageError } from './args.ts';
import { defaultTime, type Level, makeLogger } from './pylog.ts';
import { pyJoin } from './pypath.ts';

const OLD_BASE_DIR = '/opt/stack/os-config-refresh';
const DEFAULT_BASE_DIR = '/usr/libexec/os-refresh-config';
export const PHASES = ['pre-configure', 'configure', 'post-configure', 'migration'];
const LEVELS = ['ERROR', 'WARN', 'CRITICAL', 'INFO', 'DEBUG'];
const USAGE =
  'usage: os-refresh-config [-h] [--print-base] [--print-phases]\n' +
  '                         [--log-level {ERROR,WARN,CRITICAL,INFO,DEBUG}]\n' +
  '                         [--lockfile LOCKFILE] [--timeout TIMEOUT]';

const SPECS: OptSpec[] = [
  { names: ['-h', '--help'], dest: 'help', kind: 'help' },
  { names: ['--print-base'], dest: 'printBase', kind: 'flag' },
  { names: ['--print-phases'], dest: 'printPhases', kind: 'flag' },
  { names: ['--log-level'], dest: 'logLevel', kind: 'value', choices: LEVELS },
  { names: ['--lockfile'], dest: 'lockfile', kind: 'value' },
  { names: ['--timeout'], dest: 'timeout', kind: 'value', int: true },
];

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function baseDir(): string {
  const env = process.env['OS_REFRESH_CONFIG_BASE_DIR'];
  if (env !== undefined) return env;
  if (isDir(OLD_BASE_DIR) && !isDir(DEFAULT_BASE_DIR)) {
    // Python's root logger with no handler prints the bare message.
    process.stderr.write(
      `Base directory ${OLD_BASE_DIR} is deprecated. The recommended base directory is ${DEFAULT_BASE_DIR}\n`,
    );
    return OLD_BASE_DIR;
  }
  return DEFAULT_BASE_DIR;
}

// Node has no flock(2): util-linux flock(1) takes it on an inherited descriptor. The lock belongs
// to the shared open file description, so it stays held by our descriptor after flock(1) exits.
function tryLock(fd: number): boolean {
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '3'], {
    stdio: ['ignore', 'ignore', 'inherit', fd],
  });
  if (r.error) throw r.error;
  return r.status === 0;
}

// Every descendant of this process, from /proc (what psutil's children(recursive=True) finds).
function descendants(): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
    } catch {}
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(process.pid);
  return found;
}

function signalName(sig: NodeJS.Signals): string {
  return `<Signals.${sig}: ${osConstants.signals[sig]}>`;
}

type Outcome = { status: number | null; signal: NodeJS.Signals | null };

function runParts(dir: string): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn('dib-run-parts', [dir], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (status, signal) => done({ status, signal }));
  });
}

export async function main(argv: string[]): Promise<number> {
  const base = baseDir();
  let o: ReturnType<typeof parseArgs>['opts'];
  try {
    const parsed = parseArgs(argv, SPECS);
    if (parsed.positionals.length > 0)
      throw new ArgError(`unrecognized arguments: ${parsed.positionals.join(' ')}`);
    o = parsed.opts;
  } catch (e) {
    if (e instanceof ArgError) usageError('os-refresh-config', USAGE, e.message);
    throw e;
  }
  if (o['help']) {
    process.stdout.write(`${USAGE}\n\nRuns through all of the phases to ensure configuration is applied.\n`);
    return 0;
  }
  if (o['printBase']) {
    process.stdout.write(`${base}\n`);
    return 0;
  }
  if (o['printPhases']) {
    process.stdout.write(`${PHASES.join('\t')}\n`);
    return 0;
  }
  const given = (o['logLevel'] as string | undefined) ?? 'INFO';
  const level = (given === 'WARN' ? 'WARNING' : given) as Level;
  const log = makeLogger((l, m) => `[${defaultTime()}] (os-refresh-config) [${l}] ${m}`, level);
  const lockfile = (o['lockfile'] as string | undefined) ?? '/var/run/os-refresh-config.lock';
  const fd = openSync(lockfile, 'a');
  if (!tryLock(fd)) {
    log.error(`Could not lock ${lockfile}. [Errno 11] Resource temporarily unavailable`);
    return 11;
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `Locked by pid==${process.pid} at ${structTime()}\n`);
  const timeout = o['timeout'] as number | undefined;
  const timer = timeout
    ? setTimeout(() => {
        log.error(`Timeout reached: ${timeout}s. Sending SIGKILL to all children`);
        for (const pid of descendants()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
      }, timeout * 1000)
    : undefined;
  const finish = (code: number) => {
    clearTimeout(timer);
    ftruncateSync(fd, 0);
    closeSync(fd);
    return code;
  };
  for (const phase of PHASES) {
    const dir = pyJoin(base, `${phase}.d`);
    log.debug(`Checking ${dir}`);
    if (!existsSync(dir)) {
      log.debug(`No dir for phase ${phase}`);
      continue;
    }
    const args = `['dib-run-parts', '${dir}']`;
    log.info(`Starting phase ${phase}`);
    log.debug(`Running ${args}`);
    const r = await runParts(dir);
    if (r.status === 0) {
      log.info(`Completed phase ${phase}`);
      continue;
    }
    const why = r.signal
      ? `died with ${signalName(r.signal)}.`
      : `returned non-zero exit status ${r.status}.`;
    log.error(`during ${phase} phase. [Command '${args}' ${why}]\n`);
    const errorDir = pyJoin(base, 'error.d');
    if (existsSync(errorDir)) {
      log.info('Calling error handlers.');
      await runParts(errorDir).catch(() => undefined);
    }
    log.error('Aborting...');
    return finish(1);
  }
  return finish(0);
}

// Python's repr of time.localtime(), which the original writes into the lock file.
function structTime(d = new Date()): string {
  const start = new Date(d.getFullYear(), 0, 1);
  const yday = Math.floor((d.getTime() - start.getTime()) / 86400000) + 1;
  const wday = (d.getDay() + 6) % 7;
  const jan = new Date(d.getFullYear(), 0, 1).getTimezoneOffset();
  const jul = new Date(d.getFullYear(), 6, 1).getTimezoneOffset();
  const isdst = Math.max(jan, jul) !== d.getTimezoneOffset() ? 1 : 0;
  return (
    `time.struct_time(tm_year=${d.getFullYear()}, tm_mon=${d.getMonth() + 1}, tm_mday=${d.getDate()}, ` +
    `tm_hour=${d.getHours()}, tm_min=${d.getMinutes()}, tm_sec=${d.getSeconds()}, tm_wday=${wday}, ` +
    `tm_yday=${yday}, tm_isdst=${isdst})`
  );
}

export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`Traceback: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
