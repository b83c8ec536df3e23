// Entry point: dib-run-parts [--list] DIR. Runs DIR's executable, dot-free files in `sort -n` order
// after sourcing DIR/../environment.d/*; the first failure stops the run with its status.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, lstatSync, readdirSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename } from 'node:path';
import {
  DEFAULT_RUN_PARTS_REGEX,
  selectEnvironmentFiles,
  selectRunParts,
  sortRunParts,
} from './run-parts-order.ts';

const NAME = 'dib-run-parts';

// `date` in the C locale: "Tue Nov 24 20:55:01 UTC 2026".
function cDate(d = new Date()): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
      .formatToParts(d)
      .find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${time} ${zone} ${d.getFullYear()}`;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGTERM: 'Terminated',
  SIGKILL: 'Killed',
  SIGHUP: 'Hangup',
  SIGQUIT: 'Quit',
  SIGABRT: 'Aborted',
  SIGSEGV: 'Segmentation fault',
  SIGALRM: 'Alarm clock',
  SIGUSR1: 'User defined signal 1',
  SIGUSR2: 'User defined signal 2',
};

// `echo $*` joins words with single spaces.
const output = (msg: string) =>
  process.stderr.write(
    `${NAME} ${cDate()} ${msg
      .split(/[ \t\n]+/)
      .filter(Boolean)
      .join(' ')}\n`,
  );

function usage(): never {
  process.stderr.write(
    `Usage: ${NAME} [OPTION] scripts_directory\nOption:\n      --list  print names of all valid files\n\n` +
      `Examples:\n      ${NAME} --list /opt/stack/os-config-refresh/configure.d/\n` +
      `      ${NAME} /opt/stack/os-config-refresh/configure.d/\n`,
  );
  process.exit(1);
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

// `find DIR -maxdepth 1 -xtype f [-executable]`: regular files, symlinks followed; a symlinked DIR
// given without a trailing slash is not descended into, as find does not follow it.
function listFiles(dir: string, executable: boolean): string[] {
  try {
    if (lstatSync(dir).isSymbolicLink() && !dir.endsWith('/')) return [];
  } catch {
    return [];
  }
  return readdirSync(dir).filter((n) => {
    try {
      if (!statSync(`${dir}/${n}`).isFile()) return false;
      if (executable) accessSync(`${dir}/${n}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

type Shell = { env: NodeJS.ProcessEnv; cwd: string; status: number };

// Sourcing needs a shell: bash sources the files with xtrace on (as the original logs them), then
// hands back the resulting environment and working directory on fd 3.
function sourceEnvironment(files: string[]): Shell {
  const script =
    'set -ue; set -o pipefail\n' +
    `for f in "$@"; do printf '%s %s Sourcing environment file %s\\n' ${NAME} "$(date)" "$f" >&2\n` +
    'xtrace=$(set +o | grep xtrace); set -o xtrace; source "$f"; $xtrace; done\n' +
    'pwd >&3; printf "\\0" >&3; env -0 >&3\n';
  const r = spawnSync('bash', ['--norc', '-c', script, NAME, ...files], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const status = r.status ?? 128 + 1;
  if (status !== 0) return { env: process.env, cwd: process.cwd(), status };
  const out = (r.output[3] as Buffer).toString('utf8').split('\0');
  const cwd = out[0]!.replace(/\n$/, '');
  const env: NodeJS.ProcessEnv = {};
  for (const kv of out.slice(1)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { env, cwd, status: 0 };
}

function main(argv: string[]): number {
  if (argv.length < 1) usage();
  let list = false;
  if (argv[0] === '--list') {
    list = true;
    argv = argv.slice(1);
  }
  const dir = argv[0] ?? '';
  if (!isDir(dir)) {
    output(`Scripts directory [${dir}] must exist and be a directory`);
    usage();
  }
  const targets = selectRunParts(
    listFiles(dir, true),
    process.env['RUN_PARTS_REGEX'] || DEFAULT_RUN_PARTS_REGEX,
  );
  if (list) {
    for (const t of targets) process.stdout.write(`${dir}/${t}\n`);
    return 0;
  }
  const envDir = `${dir}/../environment.d`;
  const shell: Shell = isDir(envDir)
    ? sourceEnvironment(selectEnvironmentFiles(envDir, listFiles(envDir, false)))
    : { env: process.env, cwd: process.cwd(), status: 0 };
  if (shell.status !== 0) return shell.status;
  const times = new Map<string, number>();
  for (const t of targets) {
    output(`Running ${dir}/${t}`);
    const start = process.hrtime.bigint();
    const r = spawnSync(`${dir}/${t}`, [], { stdio: 'inherit', env: shell.env, cwd: shell.cwd });
    if (r.error) {
      // What bash says and returns when it cannot start a command.
      const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      const why = missing ? 'No such file or directory' : 'Permission denied';
      process.stderr.write(`${NAME}: line 1: ${dir}/${t}: ${why}\n`);
      return missing ? 127 : 126;
    }
    // bash reports a child killed by a signal (other than INT and PIPE) with the signal's description.
    if (r.signal && r.signal !== 'SIGINT' && r.signal !== 'SIGPIPE') {
      process.stderr.write(`${SIGNAL_TEXT[r.signal] ?? r.signal}\n`);
    }
    const status = r.status ?? 128 + (r.signal ? (osConstants.signals[r.signal] ?? 1) : 1);
    if (status !== 0) return status;
    times.set(t, Number(process.hrtime.bigint() - start) / 1e9);
    output(`${t} completed`);
  }
  profile(basename(dir), times);
  return 0;
}

// The original's profiling table goes to stderr, its rows in name order (sort -n on "start_NAME").
function profile(target: string, times: Map<string, number>): void {
  const line = (s: string) => process.stderr.write(`${NAME} ${cDate()} ${s}\n`);
  output('----------------------- PROFILING -----------------------');
  line('');
  output(`Target: ${target}`);
  line('');
  line(`${'Script'.padEnd(40)} ${'Seconds'.padStart(9)}`);
  line(`${'-'.repeat(39).padEnd(40)} ${'-'.repeat(10).padStart(9)}`);
  line('');
  for (const name of sortRunParts([...times.keys()].map((n) => `start_${n}`)).map((n) => n.slice(6))) {
    line(`${name.padEnd(40)} ${times.get(name)!.toFixed(3).padStart(10)}`);
  }
  line('');
  output('--------------------- END PROFILING ---------------------');
}

process.exitCode = main(process.argv.slice(2));
