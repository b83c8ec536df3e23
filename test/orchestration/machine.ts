// A machine's configuration agents in a directory, as the metadata-path tests run them: os-apply-config
// templates (etc/app.conf from app.greeting, heat-config's own), the os-refresh-config phases
// (os-apply-config, 55-heat-config, 99-refresh-completed), the script hook; and one os-collect-config
// cycle with a given configuration file (command = os-refresh-config).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const ELEMENT = join(ROOT, 'elements/heat-config');

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
  const confPath = join(dir, 'occ.conf');
  return {
    dir,
    root: join(dir, 'root'),
    defaults: [
      '[DEFAULT]',
      `command = os-refresh-config --lockfile ${join(dir, 'orc.lock')}`,
      `cachedir = ${join(dir, 'occ-cache')}`,
    ],
    async collect(conf) {
      writeFileSync(confPath, conf);
      const child = spawn(join(ROOT, 'bin/os-collect-config'), ['--one-time', '--config-file', confPath], {
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
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      const [code] = await once(child, 'exit');
      return { code: code as number, out };
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
