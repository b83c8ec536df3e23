// The os-config-tools element installs our os-*-config bundles (built by the agents area) on Debian's
// nodejs. It runs only where the bundles exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  archiveSkipReason,
  REPO,
  rootSkipReason,
  runTool,
  SHARED_CACHE,
  scratch,
  TEST_ELEMENTS,
} from './support/run.ts';

const bundles = process.env['DIB_OS_CONFIG_TOOLS_DIR'] || join(REPO, 'dist');
const tools = ['os-collect-config', 'os-apply-config', 'os-refresh-config'];
const missing = tools.filter((t) => !existsSync(join(bundles, `${t}.mjs`)));
const skip =
  rootSkipReason() ??
  (missing.length > 0
    ? `no os-*-config bundles in ${bundles} (missing ${missing.join(', ')}; build them first)`
    : undefined) ??
  (await archiveSkipReason());

describe('os-config-tools element', { skip }, () => {
  const dir = scratch('occ');
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('installs runnable os-*-config commands', async () => {
    const out = join(dir, 'occ');
    const r = await runTool('disk-image-create', ['-t', 'tar', '-o', out, 'debian', 'os-config-tools'], {
      ELEMENTS_PATH: TEST_ELEMENTS,
      DIB_IMAGE_CACHE: join(dir, 'cache'),
      DIB_DEBOOTSTRAP_CACHE: join(SHARED_CACHE, 'debootstrap'),
      DIB_OS_CONFIG_TOOLS_DIR: bundles,
    });
    assert.equal(r.code, 0, r.out.slice(-3000));
    const root = join(dir, 'root');
    mkdirSync(root);
    assert.equal(spawnSync('tar', ['-C', root, '-xf', `${out}.tar`]).status, 0);
    for (const t of tools) {
      const run = spawnSync('chroot', [root, `/usr/local/bin/${t}`, '--help'], { encoding: 'utf8' });
      assert.equal(run.status, 0, `${t} --help: ${run.stdout}${run.stderr}`);
    }
  });
});
