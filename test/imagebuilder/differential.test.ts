// Differential test against Debian's diskimage-builder: same test elements, tar output, compared on the
// phase/script order, the environment scripts saw, and the files in the image. Differences must be listed
// in docs/decisions/imagebuilder-differential.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  REPO,
  rootSkipReason,
  runTool,
  scratch,
  sudoShim,
  TEST_ELEMENTS,
  tarFile,
  tarListing,
} from './support/run.ts';

const ORIGINAL = '/usr/bin/disk-image-create';

function skipReason(): string | undefined {
  const root = rootSkipReason();
  if (root) return root;
  if (!existsSync(ORIGINAL)) return 'python3-diskimage-builder is not installed';
  const loop = spawnSync('losetup', ['-f']);
  if (loop.status !== 0) return 'the original needs loop devices and none are available';
  return undefined;
}

/** The path patterns docs/decisions/imagebuilder-differential.md allows to differ. */
function ignoredPaths(): RegExp[] {
  const doc = readFileSync(join(REPO, 'docs', 'decisions', 'imagebuilder-differential.md'), 'utf8');
  const section = doc.split('## Paths ignored by the differential test')[1]!.split('\n## ')[0]!;
  return [...section.matchAll(/^- `([^`]+)`/gm)].map((m) => {
    const p = m[1]!;
    const re = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.+');
    return new RegExp(`^${re}$`);
  });
}

describe('differential against diskimage-builder', { skip: skipReason() }, () => {
  const dir = scratch('diff');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['-n', '-t', 'tar', '--image-size', '1'];
  const elements = ['test-os', 'compat-a', 'install-types'];

  it('same phases, environment and files', async () => {
    for (const d of ['orig', 'ours', 'tmp']) mkdirSync(join(dir, d));
    const common = { ELEMENTS_PATH: TEST_ELEMENTS, TMP_DIR: join(dir, 'tmp') };
    const shim = sudoShim(dir);
    const orig = await runTool(ORIGINAL, [...args, '-o', join(dir, 'orig', 'img'), ...elements], {
      ...common,
      DIB_IMAGE_CACHE: join(dir, 'orig-cache'),
      PATH: `${shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    assert.equal(orig.code, 0, `the original failed:\n${orig.out.slice(-3000)}`);
    const ours = await runTool('disk-image-create', [...args, '-o', join(dir, 'ours', 'img'), ...elements], {
      ...common,
      DIB_IMAGE_CACHE: join(dir, 'ours-cache'),
    });
    assert.equal(ours.code, 0, ours.out);

    const origTar = join(dir, 'orig', 'img.tar');
    const oursTar = join(dir, 'ours', 'img.tar');
    // phase/script order and environment, line by line
    assert.deepEqual(
      tarFile(oursTar, './opt/trace/compat-trace').split('\n'),
      tarFile(origTar, './opt/trace/compat-trace').split('\n'),
    );
    // files: mode, owner, size, path
    const ignored = ignoredPaths();
    assert.ok(ignored.length >= 2, 'the decision record lists the ignored paths');
    const keep = (l: string) => !ignored.some((re) => re.test(l.split(' ').slice(3).join(' ')));
    const a = tarListing(origTar).filter(keep);
    const b = tarListing(oursTar).filter(keep);
    const onlyOrig = a.filter((l) => !b.includes(l));
    const onlyOurs = b.filter((l) => !a.includes(l));
    assert.deepEqual({ onlyOrig, onlyOurs }, { onlyOrig: [], onlyOurs: [] });
    assert.ok(a.length > 50, 'the images are not trivially empty');
  });
});
