// os-collect-config's configuration: the oslo.config command line (--opt, --noopt for booleans,
// --group-opt for collector options, positional collectors) over INI files ([DEFAULT], [cfn], ...).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';

type Kind = 'str' | 'multi' | 'bool' | 'float' | 'int';
type Opt = {
  group: string;
  name: string;
  kind: Kind;
  def?: string | string[] | boolean | number;
  short?: string;
};

export const DEFAULT_COLLECTORS = ['heat_local', 'ec2', 'cfn', 'heat', 'request', 'local', 'zaqar'];

const OPTS: Opt[] = [
  { group: 'DEFAULT', name: 'command', kind: 'str', short: 'c' },
  { group: 'DEFAULT', name: 'cachedir', kind: 'str', def: '/var/lib/os-collect-config' },
  { group: 'DEFAULT', name: 'backup-cachedir', kind: 'str', def: '/var/run/os-collect-config' },
  { group: 'DEFAULT', name: 'collectors', kind: 'multi', def: DEFAULT_COLLECTORS },
  { group: 'DEFAULT', name: 'one-time', kind: 'bool', def: false },
  { group: 'DEFAULT', name: 'min-polling-interval', kind: 'float', def: 1 },
  { group: 'DEFAULT', name: 'polling-interval', kind: 'float', def: 30, short: 'i' },
  { group: 'DEFAULT', name: 'print-cachedir', kind: 'bool', def: false },
  { group: 'DEFAULT', name: 'force', kind: 'bool', def: false },
  { group: 'DEFAULT', name: 'print', kind: 'bool', def: false },
  { group: 'DEFAULT', name: 'deployment-key', kind: 'multi', def: ['deployments'] },
  { group: 'DEFAULT', name: 'splay', kind: 'float', def: 0 },
  { group: 'DEFAULT', name: 'debug', kind: 'bool', def: false },
  { group: 'ec2', name: 'metadata-url', kind: 'str', def: 'http://169.254.169.254/latest/meta-data' },
  { group: 'ec2', name: 'timeout', kind: 'float', def: 10 },
  { group: 'cfn', name: 'metadata-url', kind: 'str' },
  {
    group: 'cfn',
    name: 'heat-metadata-hint',
    kind: 'str',
    def: '/var/lib/heat-cfntools/cfn-metadata-server',
  },
  { group: 'cfn', name: 'ca_certificate', kind: 'str' },
  { group: 'cfn', name: 'stack-name', kind: 'str' },
  { group: 'cfn', name: 'path', kind: 'multi' },
  { group: 'cfn', name: 'secret-access-key', kind: 'str' },
  { group: 'cfn', name: 'access-key-id', kind: 'str' },
  { group: 'cfn', name: 'deployment-key', kind: 'multi', def: ['deployments'] },
  { group: 'cfn', name: 'timeout', kind: 'float', def: 10 },
  { group: 'heat_local', name: 'path', kind: 'multi', def: ['/var/lib/heat-cfntools/cfn-init-data'] },
  { group: 'local', name: 'path', kind: 'multi', def: ['/var/lib/os-collect-config/local-data'] },
  { group: 'heat', name: 'user-id', kind: 'str' },
  { group: 'heat', name: 'password', kind: 'str' },
  { group: 'heat', name: 'project-id', kind: 'str' },
  { group: 'heat', name: 'auth-url', kind: 'str' },
  { group: 'heat', name: 'stack-id', kind: 'str' },
  { group: 'heat', name: 'resource-name', kind: 'str' },
  { group: 'heat', name: 'region-name', kind: 'str' },
  { group: 'request', name: 'metadata-url', kind: 'str' },
  { group: 'request', name: 'timeout', kind: 'float', def: 10 },
  { group: 'keystone', name: 'cache_dir', kind: 'str' },
  { group: 'keystone', name: 'cache_ttl', kind: 'int', def: 1800 },
  { group: 'zaqar', name: 'auth-url', kind: 'str' },
  { group: 'zaqar', name: 'user-id', kind: 'str' },
  { group: 'zaqar', name: 'password', kind: 'str' },
  { group: 'zaqar', name: 'project-id', kind: 'str' },
  { group: 'zaqar', name: 'queue-id', kind: 'str' },
];

export type Value = string | string[] | boolean | number | undefined;
export class Conf {
  readonly configFiles: string[];
  private values = new Map<string, Value>();
  constructor(configFiles: string[]) {
    this.configFiles = configFiles;
  }
  private static key(group: string, name: string): string {
    return `${group}.${name.replaceAll('-', '_')}`;
  }
  set(group: string, name: string, v: Value): void {
    this.values.set(Conf.key(group, name), v);
  }
  get(group: string, name: string): Value {
    return this.values.get(Conf.key(group, name));
  }
  str(group: string, name: string): string | undefined {
    return this.get(group, name) as string | undefined;
  }
  list(group: string, name: string): string[] | undefined {
    return this.get(group, name) as string[] | undefined;
  }
  num(group: string, name: string): number {
    return this.get(group, name) as number;
  }
  bool(group: string, name: string): boolean {
    return this.get(group, name) as boolean;
  }
}

export class ConfError extends Error {}

function convert(opt: Opt, raw: string): Value {
  if (opt.kind === 'bool') {
    const v = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'off', '0'].includes(v)) return false;
    throw new ConfError(`Value for option ${opt.name} is not valid: Unexpected boolean value '${raw}'`);
  }
  if (opt.kind === 'float' || opt.kind === 'int') {
    const n = Number(raw);
    if (raw.trim() === '' || Number.isNaN(n) || (opt.kind === 'int' && !Number.isInteger(n)))
      throw new ConfError(`Value for option ${opt.name} is not valid: ${raw}`);
    return n;
  }
  return raw;
}

// INI as oslo.config reads it: sections, "key = value" or "key: value", repeated keys for lists,
// indented continuation lines, # and ; comments.
export function parseIni(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  let last: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    if (/^\s/.test(raw) && last) {
      last[last.length - 1] += `\n${raw.trim()}`;
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) {
      const name = sec[1]!.trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv || !section) throw new ConfError(`Failed to parse config file line: ${raw}`);
    const key = kv[1]!.trim().replaceAll('-', '_');
    const values = section.get(key) ?? [];
    values.push(kv[2]!.trim());
    section.set(key, values);
    last = values;
  }
  return sections;
}

function defaultConfigFiles(): string[] {
  const home = homedir();
  const found = [
    `${home}/.os-collect-config/os-collect-config.conf`,
    `${home}/os-collect-config.conf`,
    '/etc/os-collect-config/os-collect-config.conf',
    '/etc/os-collect-config.conf',
  ].find((p) => existsSync(p));
  return found ? [found] : [];
}

export type CliResult = { conf: Conf } | { exit: number; out?: string };

export function parseCommandLine(argv: string[], usage: string): CliResult {
  const cli = new Map<Opt, Value>();
  const positionals: string[] = [];
  let configFiles: string[] | undefined;
  const configDirs: string[] = [];
  const flagName = (o: Opt) => (o.group === 'DEFAULT' ? o.name : `${o.group}-${o.name}`);
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '-h' || a === '--help') return { exit: 0, out: usage };
    if (a === '--version') return { exit: 0, out: '12.0.0' };
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 && a.startsWith('--') ? a.slice(2, eq) : a.replace(/^--?/, '');
    let attached = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : undefined;
    const next = () => {
      if (attached !== undefined) return attached;
      if (k + 1 >= argv.length) throw new ConfError(`argument ${a}: expected one argument`);
      return argv[++k]!;
    };
    if (name === 'config-file') {
      configFiles = [...(configFiles ?? []), next()];
      continue;
    }
    if (name === 'config-dir') {
      configDirs.push(next());
      continue;
    }
    let opt = OPTS.find((o) => (a.startsWith('--') ? flagName(o) === name : o.short === name));
    let negate = false;
    if (!opt && name.startsWith('no')) {
      opt = OPTS.find((o) => o.kind === 'bool' && flagName(o) === name.slice(2));
      negate = opt !== undefined;
    }
    if (!opt && !a.startsWith('--') && a.length > 2) {
      // -cCOMMAND / -i5: a short option with its value attached.
      opt = OPTS.find((o) => o.short === a[1]);
      attached = a.slice(2);
    }
    if (!opt) throw new ConfError(`unrecognized arguments: ${a}`);
    if (opt.kind === 'bool') cli.set(opt, !negate);
    else if (opt.kind === 'multi') cli.set(opt, [...((cli.get(opt) as string[] | undefined) ?? []), next()]);
    else cli.set(opt, convert(opt, next()));
  }
  const files = [...(configFiles ?? defaultConfigFiles())];
  for (const dir of configDirs) {
    try {
      files.push(
        ...readdirSync(dir)
          .filter((f) => f.endsWith('.conf'))
          .sort()
          .map((f) => `${dir}/${f}`),
      );
    } catch {}
  }
  const conf = new Conf(files);
  const fromFiles = new Map<Opt, Value>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ConfError(`Failed to open config file ${file}`);
    }
    const ini = parseIni(text);
    for (const opt of OPTS) {
      const raw = ini.get(opt.group)?.get(opt.name.replaceAll('-', '_'));
      if (!raw) continue;
      if (opt.kind === 'multi')
        fromFiles.set(opt, [...((fromFiles.get(opt) as string[] | undefined) ?? []), ...raw]);
      else fromFiles.set(opt, convert(opt, raw[raw.length - 1]!));
    }
  }
  for (const opt of OPTS) conf.set(opt.group, opt.name, cli.get(opt) ?? fromFiles.get(opt) ?? opt.def);
  if (positionals.length > 0) conf.set('DEFAULT', 'collectors', positionals);
  return { conf };
}
