import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildError } from '../../src/imagebuilder/errors.ts';
import {
  collectPackageInstalls,
  elementInstallType,
  evaluateWhen,
  type Squashed,
} from '../../src/imagebuilder/package-installs.ts';
import { effectiveMap, mapPackages, type PkgMapFile, parsePkgMap } from '../../src/imagebuilder/pkg-map.ts';
import {
  checkUniqueDests,
  expandVars,
  parseSourceRepositories,
} from '../../src/imagebuilder/source-repositories.ts';
import { loadYaml } from '../../src/platform/yaml.ts';

const map: PkgMapFile = {
  default: { web: 'httpd', tool: 'tool', gone: '' },
  family: { debian: { web: 'apache2' } },
  distro: { ubuntu: { web: 'apache2-ubuntu' } },
  release: { debian: { bookworm: { tool: 'tool-bookworm' } } },
};

describe('pkg-map', () => {
  const cases: [string, string, string | undefined, string[], string[]][] = [
    ['default only', 'fedora', undefined, ['tool'], ['tool']],
    ['family overrides default', 'debian', undefined, ['web'], ['apache2']],
    ['distro overrides family', 'ubuntu', undefined, ['web'], ['apache2-ubuntu']],
    ['release overrides distro', 'debian', 'bookworm', ['tool', 'web'], ['tool-bookworm', 'apache2']],
    ['empty mapping installs nothing', 'debian', undefined, ['gone', 'web'], ['apache2']],
  ];
  for (const [name, distro, release, input, want] of cases) {
    it(name, () => assert.deepEqual(mapPackages(map, input, { element: 'e', distro, release }), want));
  }
  it('unmapped name is an error, passes with missingOk', () => {
    assert.throws(
      () => mapPackages(map, ['other'], { element: 'e', distro: 'debian' }),
      /e has no valid mapping for package other/,
    );
    assert.deepEqual(mapPackages(map, ['other'], { element: 'e', distro: 'debian', missingOk: true }), [
      'other',
    ]);
  });
  it('no map file: exit code 2, passes with missingOk', () => {
    assert.throws(
      () => mapPackages(undefined, ['x'], { element: 'e', distro: 'debian' }),
      (e: unknown) => e instanceof BuildError && e.exitCode === 2 && /Required pkg-map for e/.test(e.message),
    );
    assert.deepEqual(mapPackages(undefined, ['x'], { element: 'e', distro: 'debian', missingOk: true }), [
      'x',
    ]);
  });
  it('effectiveMap leaves the input untouched', () => {
    effectiveMap(map, 'debian', 'bookworm');
    assert.equal(map.default!['web'], 'httpd');
  });
  it('malformed JSON is an error naming the element', () => {
    assert.throws(() => parsePkgMap('{nope', 'el'), /Unable to parse pkg-map of el/);
    assert.throws(() => parsePkgMap('[1]', 'el'), /Unable to parse pkg-map of el/);
  });
});

describe('package-installs squashing', () => {
  const senv = (env: Record<string, string> = {}) => ({
    arch: 'amd64',
    installType: (e: string) => elementInstallType(e, env),
    env,
  });
  const cases: [string, unknown, Record<string, string>, Squashed][] = [
    ['null options install in install.d', { a: null }, {}, { 'install.d': { install: [['a', 'el']] } }],
    ['phase option', { a: { phase: 'pre-install.d' } }, {}, { 'pre-install.d': { install: [['a', 'el']] } }],
    ['uninstall', { a: { uninstall: true } }, {}, { 'install.d': { uninstall: [['a', 'el']] } }],
    [
      'build-only installs then uninstalls',
      { a: { 'build-only': true } },
      {},
      { 'install.d': { install: [['a', 'el']], uninstall: [['a', 'el']] } },
    ],
    ['installtype mismatch skips', { a: { installtype: 'package' } }, {}, {}],
    [
      'installtype match (per-element override)',
      { a: { installtype: 'package' } },
      { DIB_INSTALLTYPE_el: 'package' },
      { 'install.d': { install: [['a', 'el']] } },
    ],
    ['arch list match', { a: { arch: 'i386, amd64' } }, {}, { 'install.d': { install: [['a', 'el']] } }],
    ['arch mismatch skips', { a: { arch: 'arm64' } }, {}, {}],
    ['not-arch skips', { a: { 'not-arch': 'amd64' } }, {}, {}],
    ['when true', { a: { when: 'X=1' } }, { X: '1' }, { 'install.d': { install: [['a', 'el']] } }],
    ['when false', { a: { when: ['X=1', 'Y!=2'] } }, { X: '1', Y: '2' }, {}],
    [
      'list of option sets',
      { a: [{ phase: 'pre-install.d' }, { uninstall: true, phase: 'post-install.d' }] },
      {},
      {
        'pre-install.d': { install: [['a', 'el']] },
        'post-install.d': { uninstall: [['a', 'el']] },
      },
    ],
    ['dib_python_version mismatch skips', { a: { dib_python_version: 2 } }, { DIB_PYTHON_VERSION: '3' }, {}],
  ];
  for (const [name, data, env, want] of cases) {
    it(name, () => assert.deepEqual(collectPackageInstalls({}, data as never, 'el', senv(env)), want));
  }
  const errors: [string, unknown, Record<string, string>, RegExp][] = [
    [
      'arch and not-arch together',
      { a: { arch: 'amd64', 'not-arch': 'i386' } },
      {},
      /arch and not_arch given/,
    ],
    ['when on an unset variable', { a: { when: 'NOPE=1' } }, {}, /The variable <NOPE> is not set/],
    ['malformed when', { a: { when: '=1' } }, {}, /Malformed when line/],
    ['unknown phase', { a: { phase: 'finalise.d' } }, {}, /unknown phase finalise.d/],
    ['not a mapping', ['a'], {}, /must be a mapping/],
    ['options not a mapping', { a: 'yes' }, {}, /must be a mapping/],
  ];
  for (const [name, data, env, re] of errors) {
    it(`error: ${name}`, () =>
      assert.throws(() => collectPackageInstalls({}, data as never, 'el', senv(env)), re));
  }
  it('elements accumulate into one plan', () => {
    const s: Squashed = {};
    collectPackageInstalls(s, { a: null }, 'one', senv());
    collectPackageInstalls(s, { b: null }, 'two', senv());
    assert.deepEqual(s, {
      'install.d': {
        install: [
          ['a', 'one'],
          ['b', 'two'],
        ],
      },
    });
  });
  it('evaluateWhen without a clause is true', () => assert.equal(evaluateWhen(null, {}, 'e'), true));
});

describe('source-repository files', () => {
  const env = { HOME_BASE: 'https://git.example.org', DIB_REPOREF_my_repo: 'stable' };
  const cases: [string, string, Record<string, string>, unknown[]][] = [
    [
      'git with default ref',
      'r1 git /opt/r1 https://git.example.org/r1.git',
      {},
      [
        {
          name: 'r1',
          type: 'git',
          dest: '/opt/r1',
          location: 'https://git.example.org/r1.git',
          ref: 'master',
        },
      ],
    ],
    [
      'tar default ref and comments',
      '# c\n\nt tar /opt/t http://x/t.tgz # trailing\n',
      {},
      [{ name: 't', type: 'tar', dest: '/opt/t', location: 'http://x/t.tgz', ref: '*' }],
    ],
    [
      'file with explicit ref',
      'f file /etc/f /src/f x',
      {},
      [{ name: 'f', type: 'file', dest: '/etc/f', location: '/src/f', ref: 'x' }],
    ],
    [
      'variables expand',
      'r git /opt/r $' + '{HOME_BASE}/r.git',
      env,
      [{ name: 'r', type: 'git', dest: '/opt/r', location: 'https://git.example.org/r.git', ref: 'master' }],
    ],
    [
      'ref override with sanitised name',
      'my-repo git /opt/m https://h/m.git',
      env,
      [{ name: 'my-repo', type: 'git', dest: '/opt/m', location: 'https://h/m.git', ref: 'stable' }],
    ],
    [
      'type and location override',
      'r git /opt/r https://h/r.git',
      { DIB_REPOTYPE_r: 'file', DIB_REPOLOCATION_r: '/tmp/r' },
      [{ name: 'r', type: 'file', dest: '/opt/r', location: '/tmp/r', ref: '' }],
    ],
    [
      'DIB_GITREPOBASE rewrites the host',
      'r git /opt/r https://opendev.org/openstack/r',
      { DIB_GITREPOBASE: 'http://mirror:8080/' },
      [{ name: 'r', type: 'git', dest: '/opt/r', location: 'http://mirror:8080/openstack/r', ref: 'master' }],
    ],
  ];
  for (const [name, text, e, want] of cases) {
    it(name, () => {
      const got = parseSourceRepositories(text, 'el', e).map(({ element: _e, ...r }) => r);
      assert.deepEqual(got, want);
    });
  }
  const errors: [string, string, RegExp][] = [
    ['too few fields', 'r git /opt/r', /needs "name type dest location \[ref\]"/],
    ['too many fields', 'r git /opt/r loc ref extra', /needs "name type dest location \[ref\]"/],
    ['unknown type', 'r svn /opt/r loc', /unsupported type svn/],
  ];
  for (const [name, text, re] of errors)
    it(`error: ${name}`, () => assert.throws(() => parseSourceRepositories(text, 'el', {}), re));
  it('error: two repositories with one destination', () => {
    const repos = parseSourceRepositories('a git /opt/x u1\nb file /opt/x u2', 'el', {});
    assert.throws(() => checkUniqueDests(repos), /share destination \/opt\/x/);
  });
  it('expandVars leaves unknown variables empty', () =>
    assert.equal(expandVars('a$NOPE-$' + '{X}', { X: 'x' }), 'a-x'));
});

describe('yaml subset', () => {
  const cases: [string, string, unknown][] = [
    ['null values', 'a:\nb: ~\n', { a: null, b: null }],
    [
      'nested mapping',
      'a:\n  phase: pre-install.d\n  uninstall: true\n',
      { a: { phase: 'pre-install.d', uninstall: true } },
    ],
    [
      'flow mapping',
      'a: {phase: post-install.d, arch: "amd64,i386"}\n',
      { a: { phase: 'post-install.d', arch: 'amd64,i386' } },
    ],
    [
      'list of mappings',
      'a:\n  - phase: x\n    arch: y\n  - uninstall: true\n',
      { a: [{ phase: 'x', arch: 'y' }, { uninstall: true }] },
    ],
    ['list at key indentation', 'a:\n- 1\n- two\n', { a: [1, 'two'] }],
    ['comments and document marker', '---\n# c\na: 1 # x\nb: "#not"\n', { a: 1, b: '#not' }],
    ['flow list', 'when: [A=1, B!=2]\n', { when: ['A=1', 'B!=2'] }],
    ['empty', '# nothing\n', null],
    ['block scalar', 'a: |\n  x\n', { a: 'x\n' }],
    [
      'YAML 1.1 booleans and octals, as dib reads them',
      'a: yes\nb: off\nc: 0755\n',
      { a: true, b: false, c: 493 },
    ],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(loadYaml(text), want));
  const errors: [string, string, RegExp][] = [
    ['bad indentation', 'a: 1\n   b: 2\n', /line 1, column 4/],
    ['unterminated quote', 'a: "x\n', /Missing closing "quote at line 2/],
    ['tab indentation', 'a:\n\tb: 1\n', /Tabs are not allowed as indentation at line 2/],
    ['two documents', 'a: 1\n---\nb: 2\n', /multiple documents/],
  ];
  for (const [name, text, re] of errors) it(`error: ${name}`, () => assert.throws(() => loadYaml(text), re));
});
