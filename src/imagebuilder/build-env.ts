// The environment the phases see, and which part of it goes into cache keys (pure).
import type { ElementInfo } from './elements.ts';
import type { Options } from './options.ts';

export interface Dirs {
  buildDir: string;
  imageDir: string;
  hooksDir: string;
  mountDir: string;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `declare -x` lines of the DIB_ variables, the format the original stores as DIB_ENV. */
export function dibEnvText(env: Record<string, string | undefined>): string {
  return Object.keys(env)
    .filter((k) => k.startsWith('DIB_') && k !== 'DIB_ENV' && k !== 'DIB_ARGS' && env[k] !== undefined)
    .sort()
    .map((k) => `declare -x ${k}=${JSON.stringify(env[k])}`)
    .join('\n');
}

export function buildEnv(
  base: Record<string, string | undefined>,
  o: Options,
  elements: ElementInfo[],
  elementsPath: string[],
  dirs: Dirs,
  argv: string[],
  repoRoot: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    ARCH: o.arch,
    IMAGE_NAME: o.imageName,
    DIB_DEBUG_TRACE: String(o.debugTrace),
    IMAGE_ELEMENT: elements.map((e) => e.name).join(' '),
    IMAGE_ELEMENT_YAML: `{${elements.map((e) => `${JSON.stringify(e.name)}: ${JSON.stringify(e.path)}`).join(', ')}}`,
    ELEMENTS_PATH: elementsPath.join(':'),
    DIB_IMAGE_CACHE: o.imageCache,
    DIB_OFFLINE: o.offline ? '1' : '',
    DIB_NO_TMPFS: o.noTmpfs ? '1' : '0',
    DIB_MIN_TMPFS: String(o.minTmpfs),
    DIB_ROOT_LABEL: o.rootLabel ?? (base['FS_TYPE'] === 'xfs' ? 'img-rootfs' : 'cloudimg-rootfs'),
    FS_TYPE: base['FS_TYPE'] || 'ext4',
    DIB_ROOT_FSTYPE: base['FS_TYPE'] || 'ext4',
    DIB_INIT_SYSTEM: base['DIB_INIT_SYSTEM'] || 'systemd',
    TMP_BUILD_DIR: dirs.buildDir,
    TMP_IMAGE_DIR: dirs.imageDir,
    TMP_HOOKS_PATH: dirs.hooksDir,
    TMP_MOUNT_PATH: dirs.mountDir,
    COMPRESS_IMAGE: o.compress ? '1' : '',
    QEMU_IMG_OPTIONS: o.qemuImgOptions,
    DIB_ARGS: argv.map(shellQuote).join(' '),
    TRIPLEO_TS_ROOT: repoRoot,
  });
  if (o.imageSize) env['DIB_IMAGE_SIZE'] = o.imageSize;
  if (o.mode === 'ramdisk') env['RAMDISK_ELEMENT'] = o.ramdiskElement;
  env['DIB_ENV'] = dibEnvText(env);
  return env;
}

// Paths and switches that change where things happen but not what is built.
const KEY_EXCLUDE = new Set([
  'DIB_IMAGE_CACHE',
  'DIB_OFFLINE',
  'DIB_ENV',
  'DIB_ARGS',
  'DIB_DEBUG_TRACE',
  'DIB_NO_TMPFS',
  'DIB_MIN_TMPFS',
]);

/**
 * The variables that feed cache keys: by the elements' own convention settings use the DIB_ prefix, plus the
 * few unprefixed ones the original defines for elements. Build-directory paths are excluded: they differ on
 * every run without changing the result.
 */
export function keyEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(env).sort()) {
    const v = env[k];
    if (v === undefined || KEY_EXCLUDE.has(k)) continue;
    if (
      k.startsWith('DIB_') ||
      ['ARCH', 'IMAGE_NAME', 'FS_TYPE', 'DISTRO_NAME', 'IMAGE_ELEMENT', 'RAMDISK_ELEMENT'].includes(k)
    ) {
      out[k] = k === 'IMAGE_NAME' ? v.split('/').pop()! : v;
    }
  }
  return out;
}
