// Command-line flags of disk-image-create / ramdisk-image-create, parsed getopt-style (pure).
import { BuildError } from './errors.ts';

export type Mode = 'disk' | 'ramdisk';
export const KNOWN_TYPES = ['qcow2', 'raw', 'tar', 'tgz', 'vhd', 'docker', 'squashfs', 'aci'];
export const SUPPORTED_TYPES = ['qcow2', 'raw', 'tar', 'tgz'];

export interface Options {
  mode: Mode;
  elements: string[];
  imageName: string;
  arch: string;
  types: string[];
  typesGiven: boolean;
  debugTrace: number;
  compress: boolean;
  skipBase: boolean;
  extraPackages: string[];
  imageSize?: string;
  imageCache: string;
  noTmpfs: boolean;
  minTmpfs: number;
  offline: boolean;
  qemuImgOptions: string;
  rootLabel?: string;
  mkfsOptions: string;
  maxOnlineResize?: string;
  installType: string;
  ramdiskElement: string;
  help: boolean;
  noCache: boolean;
}

// short flag → takes an argument?
const SHORT: Record<string, boolean> = {
  a: true,
  h: false,
  o: true,
  t: true,
  x: false,
  u: false,
  c: false,
  n: false,
  p: true,
};
const LONG: Record<string, boolean> = {
  help: false,
  'image-size': true,
  'image-cache': true,
  'max-online-resize': true,
  'min-tmpfs': true,
  'mkfs-options': true,
  'no-tmpfs': false,
  offline: false,
  'qemu-img-options': true,
  'root-label': true,
  'ramdisk-element': true,
  'install-type': true,
  'no-cache': false,
};

export function usage(mode: Mode): string {
  const tool = mode === 'disk' ? 'disk-image-create' : 'ramdisk-image-create';
  return `Usage: ${tool} [OPTION]... [ELEMENT]...

Options:
    -a i386|amd64|armhf|arm64 -- set the architecture of the image (default: the host's)
    -o imagename -- set the imagename of the output image file (default: image)
    -t qcow2,raw,tar,tgz -- the image types of the output image files (default qcow2)
    -x -- turn on tracing (DIB_DEBUG_TRACE)
    -u -- uncompressed; do not compress the qcow2 image
    -c -- clear environment before starting the build
${mode === 'disk' ? '    -n -- skip the default inclusion of the base element\n    -p package[,package] -- extra packages to install in the image (may repeat)\n' : ''}    -h|--help -- print this help and exit
    --image-size N -- image size in GB (default: sized automatically)
    --image-cache DIR -- cache directory (default: ~/.cache/image-create)
    --max-online-resize N -- maximum number of filesystem blocks to support when resizing
    --min-tmpfs N -- minimum tmpfs size in GB (accepted; builds run on disk, see docs)
    --mkfs-options OPTS -- options passed to mkfs
    --no-tmpfs -- do not use tmpfs to speed image build
    --offline -- do not update cached resources (DIB_OFFLINE)
    --qemu-img-options OPTS -- options passed to qemu-img convert -o
    --root-label LABEL -- label of the root filesystem (default: cloudimg-rootfs)
    --ramdisk-element E -- the main ramdisk element (default: ramdisk)
    --install-type T -- default install type for elements: source or package
    --no-cache -- do not reuse or record phase snapshots in the content-addressed cache

ELEMENTS_PATH is a colon-separated list of element directories; the project's elements/ is appended.
`;
}

export interface Defaults {
  hostArch: string;
  home: string;
  env: Record<string, string | undefined>;
}

export function parseOptions(argv: string[], mode: Mode, d: Defaults): Options {
  const env = d.env;
  const o: Options = {
    mode,
    elements: [],
    imageName: env['IMAGE_NAME'] || 'image',
    arch: env['ARCH'] || d.hostArch,
    types: ['qcow2'],
    typesGiven: false,
    debugTrace: Number(env['DIB_DEBUG_TRACE'] || 0) || 0,
    compress: env['COMPRESS_IMAGE'] !== '',
    skipBase: env['SKIP_BASE'] === '1',
    extraPackages: [],
    imageCache: env['DIB_IMAGE_CACHE'] || `${d.home}/.cache/image-create`,
    noTmpfs: mode === 'ramdisk' || env['DIB_NO_TMPFS'] === '1',
    minTmpfs: mode === 'ramdisk' ? 1 : Number(env['DIB_MIN_TMPFS'] || 2),
    offline: !!env['DIB_OFFLINE'],
    qemuImgOptions: env['QEMU_IMG_OPTIONS'] || '',
    mkfsOptions: '',
    installType: env['DIB_DEFAULT_INSTALLTYPE'] || 'source',
    ramdiskElement: env['RAMDISK_ELEMENT'] || 'ramdisk',
    help: false,
    noCache: env['DIB_NO_IMAGE_CACHE'] === '1',
  };
  if (env['DIB_IMAGE_SIZE']) o.imageSize = env['DIB_IMAGE_SIZE'];
  if (env['DIB_ROOT_LABEL']) o.rootLabel = env['DIB_ROOT_LABEL'];
  const fail = (msg: string): never => {
    throw new BuildError(`${msg}\nTerminating...`);
  };
  const set = (flag: string, value: string | undefined): void => {
    const v = value ?? '';
    switch (flag) {
      case 'a':
        o.arch = v;
        break;
      case 'o':
        o.imageName = v;
        break;
      case 't':
        o.types = v.split(',').filter((t) => t !== '');
        o.typesGiven = true;
        break;
      case 'x':
        o.debugTrace++;
        break;
      case 'u':
        o.compress = false;
        break;
      case 'c':
        break; // the entry point re-execs with an empty environment before we get here
      case 'n':
        if (mode === 'ramdisk') fail(`invalid option -- 'n'`);
        o.skipBase = true;
        break;
      case 'p':
        if (mode === 'ramdisk') fail(`invalid option -- 'p'`);
        o.extraPackages.push(...v.split(',').filter((p) => p !== ''));
        break;
      case 'h':
      case 'help':
        o.help = true;
        break;
      case 'image-size':
        if (!/^[0-9]+(\.[0-9]+)?$/.test(v)) fail(`--image-size needs a number of GB, got "${v}"`);
        o.imageSize = v;
        break;
      case 'image-cache':
        o.imageCache = v;
        break;
      case 'max-online-resize':
        o.maxOnlineResize = v;
        break;
      case 'min-tmpfs':
        if (!/^[0-9]+$/.test(v)) fail(`--min-tmpfs needs a number of GB, got "${v}"`);
        o.minTmpfs = Number(v);
        break;
      case 'mkfs-options':
        o.mkfsOptions = v;
        break;
      case 'no-tmpfs':
        o.noTmpfs = true;
        break;
      case 'offline':
        o.offline = true;
        break;
      case 'qemu-img-options':
        o.qemuImgOptions = v;
        break;
      case 'root-label':
        o.rootLabel = v;
        break;
      case 'ramdisk-element':
        o.ramdiskElement = v;
        break;
      case 'install-type':
        if (v !== 'source' && v !== 'package') fail(`--install-type must be source or package, got "${v}"`);
        o.installType = v;
        break;
      case 'no-cache':
        o.noCache = true;
        break;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      o.elements.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!(name in LONG)) fail(`unrecognized option '${a}'`);
      if (LONG[name]) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) fail(`option '--${name}' requires an argument`);
        set(name, v);
      } else {
        if (eq > 0) fail(`option '--${name}' doesn't allow an argument`);
        set(name, undefined);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j]!;
        if (!(f in SHORT)) fail(`invalid option -- '${f}'`);
        if (SHORT[f]) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) fail(`option requires an argument -- '${f}'`);
          set(f, v);
          break;
        }
        set(f, undefined);
      }
    } else {
      o.elements.push(a);
    }
  }
  if (o.help) return o;
  if (o.elements.length === 0)
    throw new BuildError('At least one distribution root element must be specified');
  if (o.types.length === 0) fail('-t needs at least one output type');
  for (const t of o.types) {
    if (!KNOWN_TYPES.includes(t)) fail(`unknown output type ${t}`);
    if (!SUPPORTED_TYPES.includes(t)) {
      throw new BuildError(
        `${t} output is not supported by this builder (supported: ${SUPPORTED_TYPES.join(', ')})`,
      );
    }
  }
  if (o.types.includes('tgz') && !o.types.includes('tar')) o.types.push('tar');
  // With exactly one output type a trailing ".<type>" on the name is dropped.
  if (o.types.length === 1 && o.imageName.endsWith(`.${o.types[0]}`)) {
    o.imageName = o.imageName.slice(0, -(o.types[0]!.length + 1));
  }
  return o;
}

/** The element list as the original builds it: ramdisk element, then base, then the user's. */
export function requestedElements(o: Options): string[] {
  const list = [...o.elements];
  if (!o.skipBase) list.unshift('base');
  if (o.mode === 'ramdisk') list.unshift(o.ramdiskElement);
  return [...new Set(list)];
}
