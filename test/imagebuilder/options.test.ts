import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEnv, keyEnv } from '../../src/imagebuilder/build-env.ts';
import { BuildError } from '../../src/imagebuilder/errors.ts';
import {
  type Mode,
  type Options,
  parseOptions,
  requestedElements,
  usage,
} from '../../src/imagebuilder/options.ts';

const d = (env: Record<string, string> = {}) => ({ hostArch: 'amd64', home: '/home/u', env });
const parse = (argv: string[], mode: Mode = 'disk', env: Record<string, string> = {}) =>
  parseOptions(argv, mode, d(env));

describe('disk-image-create options', () => {
  const cases: [string, string[], Partial<Options>, Record<string, string>?][] = [
    [
      'defaults',
      ['debian'],
      {
        imageName: 'image',
        arch: 'amd64',
        types: ['qcow2'],
        compress: true,
        skipBase: false,
        imageCache: '/home/u/.cache/image-create',
        minTmpfs: 2,
        installType: 'source',
      },
    ],
    ['-o with one type drops the suffix', ['-o', 'x.qcow2', 'e'], { imageName: 'x' }],
    [
      '-o suffix kept with two types',
      ['-o', 'x.qcow2', '-t', 'qcow2,tar', 'e'],
      { imageName: 'x.qcow2', types: ['qcow2', 'tar'] },
    ],
    [
      'attached short values and grouping',
      ['-xxu', '-aarm64', '-ofoo', 'e'],
      { debugTrace: 2, compress: false, arch: 'arm64', imageName: 'foo' },
    ],
    [
      '-n and repeated -p',
      ['-n', '-p', 'a,b', '-p', 'c', 'e'],
      { skipBase: true, extraPackages: ['a', 'b', 'c'] },
    ],
    [
      'long options with = and separate values',
      ['--image-size=3', '--image-cache', '/c', '--offline', '--no-tmpfs', '--root-label', 'root', 'e'],
      { imageSize: '3', imageCache: '/c', offline: true, noTmpfs: true, rootLabel: 'root' },
    ],
    [
      'qemu-img and mkfs options',
      ['--qemu-img-options', 'compat=0.10', '--mkfs-options', '-m 0', '--max-online-resize', '1000', 'e'],
      { qemuImgOptions: 'compat=0.10', mkfsOptions: '-m 0', maxOnlineResize: '1000' },
    ],
    ['tgz implies tar', ['-t', 'tgz', 'e'], { types: ['tgz', 'tar'] }],
    [
      'environment defaults',
      ['e'],
      { imageCache: '/cache', offline: true, imageSize: '2', arch: 'i386' },
      { DIB_IMAGE_CACHE: '/cache', DIB_OFFLINE: '1', DIB_IMAGE_SIZE: '2', ARCH: 'i386' },
    ],
    ['-- ends options', ['--', '-weird-element'], { elements: ['-weird-element'] }],
  ];
  for (const [name, argv, want, env] of cases) {
    it(name, () => {
      const o = parse(argv, 'disk', env);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(o[k as keyof Options], v, k);
    });
  }
  const errors: [string, string[], RegExp, Mode?][] = [
    ['no elements', ['-o', 'x'], /At least one distribution root element must be specified/],
    ['unknown short option', ['-q', 'e'], /invalid option -- 'q'[\s\S]*Terminating/],
    ['unknown long option', ['--frob', 'e'], /unrecognized option '--frob'/],
    ['missing value', ['e', '-o'], /option requires an argument -- 'o'/],
    ['missing long value', ['e', '--image-size'], /option '--image-size' requires an argument/],
    ['value for a flag', ['--offline=1', 'e'], /doesn't allow an argument/],
    ['bad image size', ['--image-size', 'big', 'e'], /needs a number of GB/],
    ['bad install type', ['--install-type', 'magic', 'e'], /must be source or package/],
    ['unknown type', ['-t', 'iso', 'e'], /unknown output type iso/],
    ['known but unsupported type', ['-t', 'vhd', 'e'], /vhd output is not supported/],
    ['-n in ramdisk mode', ['-n', 'e'], /invalid option -- 'n'/, 'ramdisk'],
    ['-p in ramdisk mode', ['-p', 'x', 'e'], /invalid option -- 'p'/, 'ramdisk'],
  ];
  for (const [name, argv, re, mode] of errors) {
    it(`error: ${name}`, () =>
      assert.throws(
        () => parse(argv, mode ?? 'disk'),
        (e: unknown) => e instanceof BuildError && re.test(e.message),
      ));
  }
  it('-h returns help without needing elements', () => {
    assert.equal(parse(['-h']).help, true);
    assert.match(usage('disk'), /-n -- skip the default inclusion of the base element/);
    assert.doesNotMatch(usage('ramdisk'), /-n --/);
  });
});

describe('requested elements', () => {
  const cases: [string, string[], Mode, string[]][] = [
    ['base is prepended', ['debian', 'vm'], 'disk', ['base', 'debian', 'vm']],
    ['-n skips base', ['-n', 'debian'], 'disk', ['debian']],
    ['ramdisk element comes first', ['debian'], 'ramdisk', ['ramdisk', 'base', 'debian']],
    [
      '--ramdisk-element replaces it',
      ['--ramdisk-element', 'mini', 'debian'],
      'ramdisk',
      ['mini', 'base', 'debian'],
    ],
  ];
  for (const [name, argv, mode, want] of cases)
    it(name, () => assert.deepEqual(requestedElements(parse(argv, mode)), want));
});

describe('build environment', () => {
  const dirs = { buildDir: '/t/b', imageDir: '/t/i', hooksDir: '/t/b/hooks', mountDir: '/t/b/mnt' };
  const els = [
    { name: 'a', path: '/e/a', deps: [], provides: [] },
    { name: 'b', path: '/e/b', deps: [], provides: [] },
  ];
  it('exports what elements read', () => {
    const o = parse(['-o', 'out', 'a']);
    const env = buildEnv(
      { PATH: '/bin', DIB_FOO: 'x y' },
      o,
      els,
      ['/e'],
      dirs,
      ['-o', 'out', 'a b'],
      '/repo',
    );
    assert.equal(env['IMAGE_ELEMENT'], 'a b');
    assert.equal(env['TMP_MOUNT_PATH'], '/t/b/mnt');
    assert.equal(env['DIB_ROOT_LABEL'], 'cloudimg-rootfs');
    assert.equal(env['DIB_ARGS'], "'-o' 'out' 'a b'");
    assert.match(env['DIB_ENV']!, /^declare -x DIB_FOO="x y"$/m);
    assert.equal(env['IMAGE_ELEMENT_YAML'], '{"a": "/e/a", "b": "/e/b"}');
  });
  it('xfs gets the short default label', () => {
    const env = buildEnv({ FS_TYPE: 'xfs' }, parse(['a']), els, ['/e'], dirs, [], '/repo');
    assert.equal(env['DIB_ROOT_LABEL'], 'img-rootfs');
  });
  it('cache keys ignore paths and switches, not settings', () => {
    const o = parse(['a']);
    const one = keyEnv(buildEnv({ DIB_X: '1' }, o, els, ['/e'], dirs, [], '/repo'));
    const two = keyEnv(
      buildEnv(
        { DIB_X: '1', DIB_OFFLINE: '1', TERM: 'x' },
        o,
        els,
        ['/e'],
        { ...dirs, buildDir: '/other' },
        ['-x'],
        '/repo',
      ),
    );
    assert.deepEqual(one, two);
    const three = keyEnv(buildEnv({ DIB_X: '2' }, o, els, ['/e'], dirs, [], '/repo'));
    assert.notDeepEqual(one, three);
  });
});
