// Element compatibility: test elements in the original format, built for real (tar output, tiny host-tools
// root), prove that phases run in order and in the right place with the right environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  mountsMentioning,
  rootSkipReason,
  runTool,
  scratch,
  TEST_ELEMENTS,
  tarFile,
  tarListing,
} from './support/run.ts';

const skip = rootSkipReason();

/** Processes whose root directory (chroot) lies under dir. */
function processesRootedIn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^[0-9]+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/root`).startsWith(dir);
      } catch {
        return false;
      }
    });
}

describe('element compatibility (real builds, tar output)', { skip }, () => {
  let dir = '';
  let tmp = '';
  const env = () => ({ ELEMENTS_PATH: TEST_ELEMENTS, TMP_DIR: tmp, DIB_IMAGE_CACHE: join(dir, 'cache') });
  before(() => {
    dir = scratch('compat');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const buildDirsLeft = () => readdirSync(tmp).filter((e) => e.startsWith('dib_'));

  it('runs every phase in order, in the right place, with environment.d applied', async () => {
    const r = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '-o', join(dir, 'trace'), 'test-os', 'compat-a', 'install-types'],
      env(),
    );
    assert.equal(r.code, 0, r.out);
    const lines = tarFile(join(dir, 'trace.tar'), './opt/trace/compat-trace').trim().split('\n');
    const steps = lines.map((l) => l.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(steps, [
      'root.d 50-a-trace host',
      'extra-data.d 50-a-trace host',
      'pre-install.d 50-a-trace chroot',
      'install.d b-no-number chroot',
      'install.d 05-b-trace chroot',
      'install.d 9-b-numeric chroot',
      'install.d 30-b-source chroot',
      'install.d 50-a-trace chroot',
      'install.d 100-b-late chroot',
      'post-install.d 50-a-trace chroot',
      'post-root.d 50-a-trace host',
      // block-device.d ran too, but like the original it cannot write into the tree (see the decision record)
      'pre-finalise.d 50-a-trace host',
      'finalise.d 50-a-trace chroot',
      'cleanup.d 50-a-trace host',
    ]);
    for (const l of lines) {
      assert.match(l, / COMPAT_A=from-a COMPAT_B=default-b ORDER=ba NOT_EXPORTED=unset /, l);
      assert.match(
        l,
        / DISTRO_NAME=testos ARCH=\S+ IMAGE_NAME=trace IMAGE_ELEMENT=compat-a,compat-b,install-types,test-os, /,
      );
      assert.match(l, / HOME=\/root /);
      assert.match(l, / TMPDIR= /);
      const phase = l.split(' ')[0];
      assert.match(l, phase === 'root.d' || phase === 'cleanup.d' ? / TARGET_ROOT=set / : / TARGET_ROOT= /);
      // the install type reaches environment.d only after root.d, as in the original
      assert.match(l, phase === 'root.d' ? / INSTALLTYPE= / : / INSTALLTYPE=source /);
    }
    const listing = tarListing(join(dir, 'trace.tar'));
    assert.ok(listing.includes('-rw-r----- 0/0 15 ./opt/compat/file'), listing.join('\n'));
    assert.ok(listing.some((l) => l.startsWith('lrwxrwxrwx 0/0 - ./opt/compat/link')));
    assert.equal(listing.filter((l) => l.includes('./dev/')).length, 1, 'no device nodes leak from the host');
    assert.equal(
      tarFile(join(dir, 'trace.tar'), './etc/fstab'),
      'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n',
    );
    assert.match(r.out, /block-device\.d\/50-a-trace/);
    assert.match(r.out, /PROFILING[\s\S]*install\.d\/100-b-late[\s\S]*total/);
    assert.deepEqual(buildDirsLeft(), []);
  });

  it('install types choose the package scripts when asked', async () => {
    const r = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '-o', join(dir, 'pkgtype'), 'test-os', 'compat-a', 'install-types'],
      { ...env(), DIB_INSTALLTYPE_compat_b: 'package' },
    );
    assert.equal(r.code, 0, r.out);
    const steps = tarFile(join(dir, 'pkgtype.tar'), './opt/trace/compat-trace');
    assert.match(steps, /install\.d 30-b-package chroot/);
    assert.doesNotMatch(steps, /30-b-source/);
  });

  it('package-installs squashes, maps through pkg-map and installs per phase', async () => {
    const r = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '-o', join(dir, 'pkgs'), 'test-os', 'compat-pkgs'],
      {
        ...env(),
        COMPAT_PKGS_FLAG: 'off',
      },
    );
    assert.equal(r.code, 0, r.out);
    assert.equal(
      tarFile(join(dir, 'pkgs.tar'), './opt/trace/packages'),
      [
        'install-packages tool-default',
        'install-packages web-testos',
        'install-packages compiler',
        'install-packages -e compiler',
        '',
      ].join('\n'),
    );
    // /tmp is emptied at the end, but the pkg-map is installed for in-image tools
    assert.ok(tarListing(join(dir, 'pkgs.tar')).some((l) => l.endsWith('./usr/share/pkg-map/compat-pkgs')));
  });

  it('source repositories: git, file and tar placed, recorded, then reused offline', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'repo'), { recursive: true });
    const git = (...a: string[]) => spawnSync('git', ['-C', join(src, 'repo'), ...a], { encoding: 'utf8' });
    git('init', '-q', '-b', 'trunk');
    writeFileSync(join(src, 'repo', 'hello'), 'hello from git\n');
    git('add', 'hello');
    git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'one');
    const sha = git('rev-parse', 'HEAD').stdout.trim();
    writeFileSync(join(src, 'notes.txt'), 'notes\n');
    mkdirSync(join(src, 'pkg', 'top'), { recursive: true });
    writeFileSync(join(src, 'pkg', 'top', 'inside'), 'in tar\n');
    spawnSync('tar', ['-C', join(src, 'pkg'), '-czf', join(src, 'pkg.tgz'), 'top']);
    const srcEnv = {
      ...env(),
      COMPAT_GIT_REPO: join(src, 'repo'),
      COMPAT_GIT_REF: 'trunk',
      COMPAT_FILE: join(src, 'notes.txt'),
      COMPAT_TAR: join(src, 'pkg.tgz'),
    };
    const r = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '-o', join(dir, 'src1'), 'test-os', 'compat-src'],
      srcEnv,
    );
    assert.equal(r.code, 0, r.out);
    const tar = join(dir, 'src1.tar');
    assert.equal(tarFile(tar, './opt/src/git/hello'), 'hello from git\n');
    assert.equal(tarFile(tar, './opt/src/notes.txt'), 'notes\n');
    assert.equal(tarFile(tar, './opt/src/tar/inside'), 'in tar\n');
    assert.equal(
      tarFile(tar, './etc/dib-source-repositories'),
      '/opt/src/git\n/opt/src/notes.txt\n/opt/src/tar\n',
    );
    assert.match(
      tarFile(tar, './etc/dib-manifests/dib-manifest-git-src1'),
      new RegExp(`compat-git git /opt/src/git \\S+ ${sha}`),
    );
    // offline: the sources are gone, the cache still has them
    rmSync(join(src, 'repo'), { recursive: true, force: true });
    rmSync(join(src, 'notes.txt'));
    const off = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '--offline', '-o', join(dir, 'src2'), 'test-os', 'compat-src'],
      srcEnv,
    );
    assert.equal(off.code, 0, off.out);
    assert.equal(tarFile(join(dir, 'src2.tar'), './opt/src/git/hello'), 'hello from git\n');
    // offline without a cache entry is an error naming the repository
    const none = await runTool(
      'disk-image-create',
      ['-n', '-t', 'tar', '--offline', '-o', join(dir, 'src3'), 'test-os', 'compat-src'],
      { ...srcEnv, DIB_IMAGE_CACHE: join(dir, 'empty-cache') },
    );
    assert.notEqual(none.code, 0);
    assert.match(none.out, /offline build: compat-git .* is not in the cache/);
  });

  it('concurrent builds of one cache key both succeed and leave one clean entry', async () => {
    const cache = join(dir, 'shared-cache');
    // same image name (an input scripts can see) in different directories: one cache key
    const build = (sub: string) =>
      runTool('disk-image-create', ['-n', '-t', 'tar', '-o', join(dir, sub, 'conc'), 'test-os', 'compat-a'], {
        ...env(),
        DIB_IMAGE_CACHE: cache,
      });
    const [one, two] = await Promise.all([build('conc1'), build('conc2')]);
    assert.equal(one.code, 0, one.out);
    assert.equal(two.code, 0, two.out);
    const entries = (kind: string) => readdirSync(join(cache, 'tripleo-ts', kind));
    assert.equal(entries('post-install').length, 1, entries('post-install').join(' '));
    assert.deepEqual(
      entries('post-install').filter((e) => e.includes('.tmp-')),
      [],
    );
    assert.equal(entries('outputs').length, 1);
    // a third build is served from the cache, identical to the first
    const three = await build('conc3');
    assert.match(three.out, /cache: outputs/);
    assert.deepEqual(tarListing(join(dir, 'conc3', 'conc.tar')), tarListing(join(dir, 'conc1', 'conc.tar')));
  });

  const failures: [string, string[], RegExp, number][] = [
    [
      'a duplicated hook',
      ['test-os', 'dup-a', 'dup-b'],
      /There is a duplicated hook in your elements: dup-b\/install\.d\/10-same \(also in dup-a\)/,
      1,
    ],
    ['a missing element', ['test-os', 'no-such-element'], /Element 'no-such-element' not found/, 1],
    ['no operating system', ['compat-b'], /Please include an operating system element/, 1],
    ['an empty root', ['empty-os'], /Failed to deploy the root element/, 1],
    [
      'a failing script',
      ['test-os', 'fail-el'],
      /install\.d\/20-fail exited with code 3 \(element fail-el, phase install\.d, script 20-fail\)/,
      3,
    ],
  ];
  for (const [name, elements, re, code] of failures) {
    it(`fails clearly on ${name}, leaving no mounts or build directories`, async () => {
      const r = await runTool(
        'disk-image-create',
        ['-n', '-t', 'tar', '-o', join(dir, 'fail'), ...elements],
        {
          ...env(),
          DIB_MOUNT_NAMESPACE: '0', // prove the explicit cleanup, not just the namespace
        },
      );
      assert.equal(r.code, code, r.out);
      assert.match(r.out, re);
      assert.deepEqual(mountsMentioning(tmp), []);
      assert.deepEqual(buildDirsLeft(), []);
      assert.equal(existsSync(join(dir, 'fail.tar')), false);
    });
  }

  for (const ns of ['0', '1']) {
    it(`Ctrl-C in the chroot stops the build and unmounts everything (mount namespace ${ns === '1' ? 'on' : 'off'})`, async () => {
      let sent = false;
      let sawMounts = 0;
      const r = await runTool(
        'disk-image-create',
        ['-n', '-t', 'tar', '-o', join(dir, 'int'), 'test-os', 'slow-el'],
        { ...env(), DIB_MOUNT_NAMESPACE: ns },
        {
          onOutput: (out, child) => {
            if (!sent && out.includes('SLOW-EL-SLEEPING')) {
              sent = true;
              sawMounts = ns === '0' ? mountsMentioning(tmp).length : 1;
              child.kill('SIGINT');
            }
          },
        },
      );
      assert.ok(sent, r.out);
      assert.ok(sawMounts > 0, 'the chroot had mounts while the script ran');
      assert.equal(r.code, 130, r.out);
      assert.match(r.out, /SIGINT: stopping the build and cleaning up/);
      assert.deepEqual(mountsMentioning(tmp), []);
      assert.deepEqual(buildDirsLeft(), []);
      assert.deepEqual(processesRootedIn(tmp), [], 'the script was stopped');
    });
  }
});
