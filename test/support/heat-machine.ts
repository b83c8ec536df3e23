// A machine's side of Heat's metadata path, as local files and processes in a directory: os-apply-config
// templates (heat-config's and one app file), the os-refresh-config phases (os-apply-config, heat-config,
// the completion signal), the script hook, the os-collect-config configuration from a server's
// cfn-init-data, and one os-collect-config cycle as the machine's service runs it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const ELEMENT = join(ROOT, 'elements/heat-config');

/** Lays out the machine's files in `dir`; the app template renders `greeting={{app.greeting}}`. */
export function prepareMachine(dir: string): void {
  const templates = join(dir, 'templates');
  mkdirSync(join(templates, 'etc'), { recursive: true });
  writeFileSync(join(templates, 'etc/app.conf'), 'greeting={{app.greeting}}\n');
  mkdirSync(join(templates, 'var/run/heat-config'), { recursive: true });
  writeFileSync(
    join(templates, 'var/run/heat-config/heat-config'),
    readFileSync(join(ELEMENT, 'os-apply-config/var/run/heat-config/heat-config')),
  );
  mkdirSync(join(dir, 'orc/configure.d'), { recursive: true });
  mkdirSync(join(dir, 'orc/post-configure.d'), { recursive: true });
  writeFileSync(
    join(dir, 'orc/configure.d/20-os-apply-config'),
    `#!/bin/sh\nexec os-apply-config -t ${templates} -o ${join(dir, 'root')}\n`,
    { mode: 0o755 },
  );
  symlinkSync(
    join(ELEMENT, 'os-refresh-config/configure.d/55-heat-config'),
    join(dir, 'orc/configure.d/55-heat-config'),
  );
  symlinkSync(
    join(ELEMENT, 'os-refresh-config/post-configure.d/99-refresh-completed'),
    join(dir, 'orc/post-configure.d/99-refresh-completed'),
  );
  mkdirSync(join(dir, 'hooks'));
  symlinkSync(join(ROOT, 'bin/heat-config-hook-script'), join(dir, 'hooks/script'));
}

/** The os-collect-config block of a server's user data (its cfn-init-data part). */
// biome-ignore lint/suspicious/noExplicitAny: the block is read loosely, as the tests assert on it
export function occBlock(userData: string): Record<string, any> {
  const part = /filename="cfn-init-data"\n\n(.*)\n/.exec(userData)?.[1] as string;
  return JSON.parse(part)['os-collect-config'];
}

/** The [DEFAULT] lines every occ.conf of the machine in `dir` starts with: os-refresh-config runs. */
export function occDefaults(dir: string, cache = 'occ-cache'): string[] {
  return [
    '[DEFAULT]',
    `command = os-refresh-config --lockfile ${join(dir, 'orc.lock')}`,
    `cachedir = ${join(dir, cache)}`,
  ];
}

/** Writes `dir`/occ.conf: the cfn collector with the block's URL, key and path. */
export function writeOccConf(dir: string, cfn: Record<string, string>, cache = 'occ-cache'): void {
  writeFileSync(
    join(dir, 'occ.conf'),
    [
      ...occDefaults(dir, cache),
      'collectors = cfn',
      '[cfn]',
      `metadata_url = ${cfn.metadata_url}`,
      `access_key_id = ${cfn.access_key_id}`,
      `secret_access_key = ${cfn.secret_access_key}`,
      `stack_name = ${cfn.stack_name}`,
      `path = ${cfn.path}`,
      '',
    ].join('\n'),
  );
}

/** One os-collect-config cycle (--one-time); `out` is its stdout and stderr together. */
export async function collectOnce(dir: string): Promise<{ code: number; out: string }> {
  const child = spawn(
    join(ROOT, 'bin/os-collect-config'),
    ['--one-time', '--config-file', join(dir, 'occ.conf')],
    {
      env: {
        ...process.env,
        PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`,
        OS_REFRESH_CONFIG_BASE_DIR: join(dir, 'orc'),
        HEAT_SHELL_CONFIG: join(dir, 'root/var/run/heat-config/heat-config'),
        HEAT_CONFIG_DEPLOYED: join(dir, 'deployed'),
        HEAT_CONFIG_HOOKS: join(dir, 'hooks'),
        HEAT_SCRIPT_WORKING: join(dir, 'script-working'),
        HEAT_SCRIPT_OUTPUTS: join(dir, 'script-outputs'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, out };
}

/** A machine laid out in `dir`, for tests that write their own occ.conf (other collectors than cfn). */
export interface Machine {
  dir: string;
  /** Where os-apply-config renders (root/etc/app.conf ...). */
  root: string;
  /** The [DEFAULT] lines every occ.conf starts with (command, cachedir). */
  defaults: string[];
  /** One os-collect-config --one-time cycle with `conf` as its configuration file's text. */
  collect(conf: string): Promise<{ code: number; out: string }>;
}

export function machineIn(dir: string): Machine {
  mkdirSync(dir, { recursive: true });
  prepareMachine(dir);
  return {
    dir,
    root: join(dir, 'root'),
    defaults: occDefaults(dir),
    async collect(conf) {
      writeFileSync(join(dir, 'occ.conf'), conf);
      return collectOnce(dir);
    },
  };
}

/** The parts of a cloud-init multipart document, by filename: its content type and body. */
export function mimeParts(doc: string): Map<string, { type: string; body: string }> {
  const boundary = /boundary="([^"]+)"/.exec(doc)?.[1];
  const out = new Map<string, { type: string; body: string }>();
  if (!boundary) return out;
  for (const chunk of doc.split(`--${boundary}`).slice(1, -1)) {
    const at = chunk.indexOf('\n\n');
    const head = chunk.slice(0, at);
    const name = /filename="([^"]+)"/.exec(head)?.[1] ?? '';
    out.set(name, {
      type: /Content-Type: ([^;\n]+)/.exec(head)?.[1] ?? '',
      body: chunk.slice(at + 2).replace(/\n$/, ''),
    });
  }
  return out;
}
