// os-collect-config's main loop: collect from every source, cache, run the command when something
// changed (with OS_CONFIG_FILES), mark the data seen only after the command succeeds, back off.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cache } from './occ-cache.ts';
import { cfn } from './occ-cfn.ts';
import {
  type Collector,
  ec2,
  heatLocal,
  local,
  NotAvailable,
  NotConfigured,
  type Output,
  requestCollector,
  zaqar,
} from './occ-collectors.ts';
import { type Conf, ConfError, DEFAULT_COLLECTORS, parseCommandLine } from './occ-config.ts';
import { heat } from './occ-heat.ts';
import { dumpJson, type PyDict, type PyValue, pyRepr } from './pyjson.ts';
import { type Logger, makeLogger } from './pylog.ts';

const USAGE =
  'usage: os-collect-config [-h] [--backup-cachedir BACKUP_CACHEDIR] [--cachedir CACHEDIR]\n' +
  '                         [--command COMMAND] [--config-dir DIR] [--config-file PATH] [--debug]\n' +
  '                         [--deployment-key DEPLOYMENT_KEY] [--force] [--one-time]\n' +
  '                         [--polling-interval POLLING_INTERVAL] [--print] [--print-cachedir]\n' +
  '                         [--splay SPLAY] [--version] [--<group>-<option> VALUE ...] [collectors ...]';

function collectors(cache: Cache): Record<string, Collector> {
  return {
    ec2: ec2((n) => cache.path(n)),
    cfn,
    heat,
    heat_local: heatLocal,
    local,
    request: requestCollector,
    zaqar,
  };
}

type Collected = { changed: Set<string>; paths: string[]; content: PyDict };

async function collectAll(conf: Conf, cache: Cache, store: boolean, log: Logger): Promise<Collected> {
  const changed = new Set<string>();
  const allKeys: string[] = [];
  const paths: string[] = [];
  const content: PyDict = new Map();
  const table = collectors(cache);
  for (const name of conf.list('DEFAULT', 'collectors') ?? []) {
    let outputs: Output[];
    try {
      outputs = await table[name]!(conf, log);
    } catch (e) {
      if (e instanceof NotAvailable) {
        log.warning(`Source [${name}] Unavailable.`);
        continue;
      }
      if (e instanceof NotConfigured) {
        log.debug(`Source [${name}] Not configured.`);
        continue;
      }
      throw e;
    }
    for (const [key, value] of outputs) {
      if (!store) {
        content.set(key, value);
        continue;
      }
      allKeys.push(key);
      const r = cache.store(key, value);
      if (r.changed) changed.add(key);
      paths.push(r.path);
    }
  }
  if (changed.size > 0) {
    cache.storeMetaList('os_config_files', allKeys);
    cache.backup(conf.str('DEFAULT', 'backup-cachedir')!);
  }
  return { changed, paths, content };
}

// md5 of the config files' contents, to notice a rewritten /etc/os-collect-config.conf.
function fileHash(files: string[]): string {
  const h = createHash('md5');
  for (const f of files) {
    try {
      h.update(readFileSync(f, 'utf8'));
    } catch {}
  }
  return h.digest('hex');
}

function runCommand(command: string, files: string[], log: Logger): Promise<number> {
  const env = { ...process.env, OS_CONFIG_FILES: files.join(':') };
  log.info(`Executing ${command} with OS_CONFIG_FILES=${env.OS_CONFIG_FILES}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (-(signal ? 1 : 0) || 1)));
  });
}

// The original re-execs itself (SIGHUP, or a changed config file). Node cannot exec in place
// before v23.11, so where process.execve is missing a fresh copy runs as our child instead.
function reexec(log: Logger, why?: string): Promise<never> {
  if (why) log.info(why);
  const execve = (process as unknown as { execve?: (f: string, a: string[], e: NodeJS.ProcessEnv) => never })
    .execve;
  if (execve)
    execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], process.env);
  return new Promise(() => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
    });
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  });
}

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, USAGE);
  if ('exit' in parsed) {
    if (parsed.out) process.stdout.write(`${parsed.out}\n`);
    return parsed.exit;
  }
  const conf = parsed.conf;
  // The original's log lines are bare messages on stderr, warnings and up unless --debug.
  const log = makeLogger((_l, m) => m, conf.bool('DEFAULT', 'debug') ? 'DEBUG' : 'WARNING');
  if (conf.bool('DEFAULT', 'print-cachedir')) {
    process.stdout.write(`${conf.str('DEFAULT', 'cachedir')}\n`);
    return 0;
  }
  const wanted = conf.list('DEFAULT', 'collectors') ?? [];
  const unknown = [...new Set(wanted.filter((c) => !DEFAULT_COLLECTORS.includes(c)))];
  if (unknown.length > 0)
    throw new ConfError(
      `Unknown collectors ${pyRepr(unknown)}. Valid collectors are: ${pyRepr(DEFAULT_COLLECTORS)}`,
    );
  const force = conf.bool('DEFAULT', 'force');
  const oneTime = force || conf.bool('DEFAULT', 'one-time');
  const splay = conf.num('DEFAULT', 'splay');
  if (splay > 0 && !oneTime) await sleep(Math.floor(Math.random() * Math.floor(splay)));
  let hupReceived = false;
  process.on('SIGHUP', () => {
    hupReceived = true;
  });
  const cache = new Cache(conf.str('DEFAULT', 'cachedir')!);
  const command = conf.str('DEFAULT', 'command');
  const configHash = fileHash(conf.configFiles);
  let sleepTime = conf.num('DEFAULT', 'min-polling-interval');
  let exitval = 0;
  for (;;) {
    if (hupReceived) await reexec(log, `Signal received. Re-executing ${pyRepr(process.argv.slice(1))}`);
    const storeAndRun = Boolean(command) && !conf.bool('DEFAULT', 'print');
    const { changed, paths, content } = await collectAll(conf, cache, storeAndRun, log);
    if (!storeAndRun) {
      process.stdout.write(`${dumpJson(content as PyValue, 1)}\n`);
      return exitval;
    }
    if (changed.size > 0 || force) {
      const code = await runCommand(command!, paths, log);
      if (code !== 0) {
        exitval = code;
        log.error(
          `Command failed, will not cache new data. Command '${command}' returned non-zero exit status ${code}.`,
        );
      } else for (const key of changed) cache.commit(key);
      if (!oneTime && fileHash(conf.configFiles) !== configHash) await reexec(log);
    } else log.debug('No changes detected.');
    if (oneTime) return exitval;
    log.info(`Sleeping ${sleepTime.toFixed(2)} seconds.`);
    await sleep(sleepTime);
    sleepTime = Math.min(sleepTime * 2, conf.num('DEFAULT', 'polling-interval'));
  }
}

export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: Error) => {
      if (e instanceof ConfError) process.stderr.write(`os-collect-config: error: ${e.message}\n`);
      else process.stderr.write(`Traceback: ${e.message}\n`);
      process.exit(e instanceof ConfError && e.message.startsWith('unrecognized') ? 2 : 1);
    },
  );
}
