import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContentCache, hashTree } from '../../src/imagebuilder/cache.ts';
import { cacheInputLines, externalInputsHash } from '../../src/imagebuilder/cache-inputs.ts';
import type { ElementInfo } from '../../src/imagebuilder/elements.ts';
import { assembleHooks } from '../../src/imagebuilder/hooks.ts';
import { scratch, toolSkipReason } from './support/run.ts';

const quiet = { log: () => {}, signal: new AbortController().signal };

function element(root: string, name: string, files: Record<string, string>): ElementInfo {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, name, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    chmodSync(p, 0o755);
  }
  return { name, path: join(root, name), deps: [], provides: [] };
}

describe('hook tree assembly', () => {
  const dir = scratch('hooks');
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('merges phase dirs, merges same-named subdirectories recursively, copies top-level files', () => {
    const a = element(dir, 'a', {
      'install.d/10-a': 'a',
      'os-refresh-config/configure.d/20-a': 'a',
      'source-repository-a': 'repo a',
      README: 'from a',
      'tests/test_a.py': 'skipped',
    });
    const b = element(dir, 'b', {
      'install.d/20-b': 'b',
      'os-refresh-config/configure.d/20-a': 'b overwrites nested',
      README: 'from b',
    });
    const hooks = join(dir, 'hooks1');
    const owners = assembleHooks([b, a], hooks);
    assert.equal(readFileSync(join(hooks, 'install.d', '10-a'), 'utf8'), 'a');
    assert.equal(readFileSync(join(hooks, 'install.d', '20-b'), 'utf8'), 'b');
    assert.equal(
      readFileSync(join(hooks, 'os-refresh-config', 'configure.d', '20-a'), 'utf8'),
      'b overwrites nested',
    );
    assert.equal(readFileSync(join(hooks, 'README'), 'utf8'), 'from b', 'elements are copied in name order');
    assert.equal(existsSync(join(hooks, 'source-repository-a')), true);
    assert.equal(existsSync(join(hooks, 'tests')), false);
    assert.equal(lstatSync(join(hooks, 'install.d', '10-a')).mode & 0o777, 0o755);
    assert.equal(owners.get('install.d/20-b'), 'b');
  });
  it('two elements with the same hook is an error naming both', () => {
    const c = element(dir, 'c', { 'install.d/10-a': 'c' });
    const a = { name: 'a', path: join(dir, 'a'), deps: [], provides: [] };
    assert.throws(
      () => assembleHooks([a, c], join(dir, 'hooks2')),
      /duplicated hook in your elements: c\/install\.d\/10-a \(also in a\)/,
    );
  });
});

describe('content cache', { skip: toolSkipReason('zstd', 'tar') }, () => {
  const dir = scratch('cache');
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('a tree hash changes with content, mode and symlink target, not with time', () => {
    const t = join(dir, 't');
    mkdirSync(join(t, 'd'), { recursive: true });
    writeFileSync(join(t, 'd', 'f'), 'x');
    symlinkSync('d/f', join(t, 'l'));
    const h0 = hashTree(t);
    writeFileSync(join(t, 'd', 'f'), 'x');
    assert.equal(hashTree(t), h0);
    chmodSync(join(t, 'd', 'f'), 0o600);
    const h1 = hashTree(t);
    assert.notEqual(h1, h0);
    writeFileSync(join(t, 'd', 'f'), 'y');
    const h2 = hashTree(t);
    assert.notEqual(h2, h1);
    rmSync(join(t, 'l'));
    symlinkSync('d', join(t, 'l'));
    assert.notEqual(hashTree(t), h2);
  });
  it('snapshots round-trip modes, owners and symlinks; concurrent writers of one key leave one entry', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'etc'), { recursive: true });
    writeFileSync(join(src, 'etc', 'secret'), 's');
    chmodSync(join(src, 'etc', 'secret'), 0o600);
    symlinkSync('etc/secret', join(src, 'link'));
    const cache = new ContentCache(join(dir, 'c'));
    assert.equal(cache.has('root', 'k'), false);
    await Promise.all([cache.putTree(quiet, 'root', 'k', src), cache.putTree(quiet, 'root', 'k', src)]);
    assert.equal(cache.has('root', 'k'), true);
    const dst = join(dir, 'dst');
    await cache.restoreTree(quiet, 'root', 'k', dst);
    assert.equal(lstatSync(join(dst, 'etc', 'secret')).mode & 0o777, 0o600);
    assert.equal(readlinkSync(join(dst, 'link')), 'etc/secret');
    assert.equal(hashTree(dst), hashTree(src));
    assert.deepEqual(readdirSync(join(dir, 'c', 'root')), ['k.tar.zst']);
  });
});

describe('external cache inputs', () => {
  const dir = scratch('inputs');
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('paths named in cache-inputs (after environment.d) change the key with their contents', async () => {
    const el = element(dir, 'ext', {
      'cache-inputs': '# bundles\n$EXT_DIR/a.mjs\n$EXT_LATER\n',
      'environment.d/10-ext': 'export EXT_LATER=$EXT_DIR/missing.mjs\n',
    });
    const plain = element(dir, 'plain', { 'install.d/10-x': 'x' });
    const hooks = join(dir, 'hooks');
    assembleHooks([el, plain], hooks);
    mkdirSync(join(dir, 'bundles'));
    writeFileSync(join(dir, 'bundles', 'a.mjs'), 'one');
    const env = { PATH: process.env['PATH']!, EXT_DIR: join(dir, 'bundles') };
    assert.equal(await externalInputsHash(quiet, [plain], hooks, env), '');
    const h1 = await externalInputsHash(quiet, [el, plain], hooks, env);
    assert.equal(await externalInputsHash(quiet, [el, plain], hooks, env), h1);
    writeFileSync(join(dir, 'bundles', 'a.mjs'), 'two');
    const h2 = await externalInputsHash(quiet, [el, plain], hooks, env);
    assert.notEqual(h2, h1);
    writeFileSync(join(dir, 'bundles', 'missing.mjs'), 'now here');
    assert.notEqual(await externalInputsHash(quiet, [el, plain], hooks, env), h2);
    assert.deepEqual(cacheInputLines([el]), ['$EXT_DIR/a.mjs', '$EXT_LATER']);
  });
});
