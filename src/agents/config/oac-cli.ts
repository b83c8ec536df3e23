// os-apply-config's command line: renders the template tree from merged metadata (drop-in for the Python original).
import { existsSync, statSync } from 'node:fs';
import { ArgError, type OptSpec, parseArgs, usageError } from './args.ts';
import {
  ConfigError,
  collectConfig,
  EncodeError,
  ensureType,
  extractKey,
  readUtf8,
  subhash,
  UnknownTypeError,
} from './metadata.ts';
import { buildTree, writeFile } from './oac-files.ts';
import { dumpJson, isDict, JsonError, type PyValue, parseJson, pyRepr, pyStr } from './pyjson.ts';
import { makeLogger, oacTime, osErrorText } from './pylog.ts';
import { pyJoin } from './pypath.ts';
import { VERSION } from './version.ts';

const DEFAULT_TEMPLATES = '/usr/libexec/os-apply-config/templates';
const DEFAULT_OS_CONFIG_FILES = '/var/lib/os-collect-config/os_config_files.json';
const OLD_OS_CONFIG_FILES = '/var/run/os-collect-config/os_config_files.json';
const FALLBACK = [
  '/var/cache/heat-cfntools/last_metadata',
  '/var/lib/heat-cfntools/cfn-init-data',
  '/var/lib/cloud/data/cfn-init-data',
];
const USAGE =
  'usage: os-apply-config [-h] [-t TEMPLATE_ROOT] [-o OUT_DIR] [-m [METADATA_FILE ...]]\n' +
  '                       [--fallback-metadata [FALLBACK_METADATA ...]] [-v] [--print-templates]\n' +
  '                       [-s SUBHASH] [--key KEY] [--type TYPE] [--key-default KEY_DEFAULT]\n' +
  '                       [--boolean-key BOOLEAN_KEY] [--version] [--os-config-files OS_CONFIG_FILES]';

const SPECS: OptSpec[] = [
  { names: ['-h', '--help'], dest: 'help', kind: 'help' },
  { names: ['-t', '--templates'], dest: 'templates', kind: 'value' },
  { names: ['-o', '--output'], dest: 'output', kind: 'value' },
  { names: ['-m', '--metadata'], dest: 'metadata', kind: 'list' },
  { names: ['--fallback-metadata'], dest: 'fallback', kind: 'list' },
  { names: ['-v', '--validate'], dest: 'validate', kind: 'flag' },
  { names: ['--print-templates'], dest: 'printTemplates', kind: 'flag' },
  { names: ['-s', '--subhash'], dest: 'subhash', kind: 'value' },
  { names: ['--key'], dest: 'key', kind: 'value' },
  { names: ['--type'], dest: 'type', kind: 'value' },
  { names: ['--key-default'], dest: 'keyDefault', kind: 'value' },
  { names: ['--boolean-key'], dest: 'booleanKey', kind: 'value' },
  { names: ['--version'], dest: 'version', kind: 'version' },
  { names: ['--os-config-files'], dest: 'osConfigFiles', kind: 'value' },
];

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

// The env var, else the FHS path, unless only one of the pre-2014 locations exists.
function defaultTemplates(warn: (m: string) => void): string {
  const env = process.env['OS_CONFIG_APPLIER_TEMPLATES'];
  if (env !== undefined) return env;
  let legacy = '/opt/stack/os-apply-config/templates';
  if (!isDir(legacy)) legacy = '/opt/stack/os-config-applier/templates';
  if (isDir(legacy) && !isDir(DEFAULT_TEMPLATES)) {
    warn(
      `Template directory ${legacy} is deprecated.  The recommended location for template files is ${DEFAULT_TEMPLATES}`,
    );
    return legacy;
  }
  return DEFAULT_TEMPLATES;
}

function loadListFromJson(path: string): PyValue[] {
  let v: PyValue = [];
  if (existsSync(path)) v = parseJson(readUtf8(path));
  if (!Array.isArray(v)) throw new Error(`No list defined in json file: ${path}`);
  return v;
}

export function main(argv: string[]): number {
  // Python prints this import-time warning through logging's last-resort handler: the bare message.
  const templatesDefault = defaultTemplates((m) => process.stderr.write(m + '\n'));
  const osConfigFilesDefault = process.env['OS_CONFIG_FILES_PATH'] ?? DEFAULT_OS_CONFIG_FILES;
  const logFiles = process.geteuid?.() === 0 ? ['/var/log/os-apply-config.log'] : [];
  const log = makeLogger((l, m) => `[${oacTime()}] [${l}] ${m}`, 'INFO', logFiles);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, SPECS);
    if (parsed.positionals.length > 0)
      throw new ArgError(`unrecognized arguments: ${parsed.positionals.join(' ')}`);
  } catch (e) {
    if (e instanceof ArgError) usageError('os-apply-config', USAGE, e.message);
    throw e;
  }
  const o = parsed.opts;
  if (o['help']) {
    process.stdout.write(`${USAGE}\n\nRenders os-apply-config templates from merged JSON metadata.\n`);
    return 0;
  }
  if (o['version']) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const templates = (o['templates'] as string | undefined) ?? templatesDefault;
  if (o['printTemplates']) {
    process.stdout.write(`${templates}\n`);
    return 0;
  }
  const osConfigFiles = (o['osConfigFiles'] as string | undefined) ?? osConfigFilesDefault;
  let metadata = (o['metadata'] as string[] | undefined) ?? [];
  const fallback = (o['fallback'] as string[] | undefined) ?? FALLBACK;
  if (metadata.length === 0) {
    const env = process.env['OS_CONFIG_FILES'];
    if (env !== undefined) metadata = env.split(':');
    else {
      let list = loadListFromJson(osConfigFiles);
      if (list.length === 0 && osConfigFiles === DEFAULT_OS_CONFIG_FILES) {
        log.warning(`DEPRECATED: falling back to ${OLD_OS_CONFIG_FILES}`);
        list = loadListFromJson(OLD_OS_CONFIG_FILES);
      }
      metadata = list.map((p) => (typeof p === 'string' ? p : pyStr(p)));
    }
  }
  const key = o['key'] as string | undefined;
  const booleanKey = o['booleanKey'] as string | undefined;
  if (key && booleanKey) log.warning('--key is not compatible with --boolean-key. --boolean-key ignored.');
  try {
    if (key) {
      const config = collectConfig(metadata, fallback);
      const value = extractKey(config, key);
      if (value === undefined) {
        const def = o['keyDefault'] as string | undefined;
        if (def === undefined) throw new ConfigError(`key ${key} does not exist in ${pyRepr(metadata)}`);
        process.stdout.write(`${def}\n`);
        return 0;
      }
      ensureType(pyStr(value), (o['type'] as string | undefined) ?? 'default');
      const shown =
        Array.isArray(value) || isDict(value) || typeof value === 'boolean' ? dumpJson(value) : pyStr(value);
      process.stdout.write(`${shown}\n`);
      return 0;
    }
    if (booleanKey) {
      const value = extractKey(collectConfig(metadata, fallback), booleanKey);
      if (typeof value !== 'boolean') return 255;
      return value ? 0 : 1;
    }
    const config = subhash(collectConfig(metadata, fallback), o['subhash'] as string | undefined);
    const tree = buildTree(templates, config, (m) => log.error(m));
    if (!o['validate']) {
      const output = (o['output'] as string | undefined) ?? '/';
      for (const [path, file] of tree) {
        writeFile(pyJoin(output, path.startsWith('/') ? path.slice(1) : path), file, (m) => log.info(m));
      }
    }
    log.info('success');
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
  return 0;
}

// Unexpected failures exit 1 with the reason, where the original prints a traceback and exits 1.
export function run(argv: string[]): void {
  let code: number;
  try {
    code = main(argv);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const kind =
      e instanceof JsonError
        ? 'JSONDecodeError'
        : e instanceof UnknownTypeError
          ? 'ValueError'
          : e instanceof EncodeError
            ? 'UnicodeEncodeError'
            : 'Error';
    process.stderr.write(`Traceback: ${kind}: ${err.code ? osErrorText(err, err.path) : err.message}\n`);
    code = 1;
  }
  process.exitCode = code;
}
