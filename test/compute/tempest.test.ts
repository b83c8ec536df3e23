// tempest's compute API tests that apply to bare metal (test/support/tempest-compute.ts) against a seed whose
// servers land on sim nodes deployed through the in-process agent. Slow and needs Debian's tempest: runs when
// OOO_TEMPEST=1 (or a list naming compute), and says why otherwise. OOO_TEMPEST_REGEX=... runs only the tests it
// matches (for reading one failure; the floor of passes is then not checked).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTempest, SUITES, tempestSkip } from '../support/tempest.ts';
import { startServerLab } from './servers-sim.ts';

// Enough nodes that tempest's classes (up to 3 servers each, more while deleted ones are cleaned) find room.
const NODES = 12;

test('tempest compute API tests pass against the seed with sim nodes', {
  skip: tempestSkip('compute'),
  timeout: 3 * 3600_000,
}, async (t) => {
  const lab = await startServerLab();
  const dir = mkdtempSync(join(tmpdir(), 'ooo-tempest-compute-'));
  try {
    await lab.simNodes(
      Array.from({ length: NODES }, (_, i) => `tempest-${i}`),
      0x0400,
    );
    const image = await lab.image(dir, 'tempest-img', 1);
    const imageAlt = await lab.image(dir, 'tempest-img-alt', 1);
    // A second bare metal flavor (flavor_ref_alt), as the first (servers-sim.ts) but bigger in RAM.
    const alt = await lab.ok(
      'flavor',
      'create',
      '--ram',
      '2048',
      '--vcpus',
      '1',
      '--disk',
      '1',
      '--property',
      'resources:CUSTOM_BAREMETAL=1',
      'baremetal-alt',
      '-f',
      'json',
    );
    const flavor = await lab.ok('flavor', 'show', 'baremetal', '-f', 'json');
    // Tempest's dynamic projects each boot a few servers at once.
    await lab.ok(
      'quota',
      'set',
      '--class',
      '--instances',
      '20',
      '--cores',
      '40',
      '--ram',
      '102400',
      'default',
    );
    const suite = SUITES.compute;
    const r = await runTempest(
      {
        authUrl: lab.seed.authUrl,
        adminPassword: lab.seed.adminPassword,
        services: ['identity', 'image', 'network', 'compute'],
        compute: {
          imageRef: image.id,
          imageRefAlt: imageAlt.id,
          flavorRef: flavor.id,
          flavorRefAlt: alt.id,
          network: 'ctlplane',
        },
      },
      process.env.OOO_TEMPEST_REGEX ?? suite.regex,
      dir,
      suite.exclude,
    );
    // OOO_TEMPEST_OUT=FILE keeps tempest's whole output for reading failures.
    if (process.env.OOO_TEMPEST_OUT) writeFileSync(process.env.OOO_TEMPEST_OUT, r.output);
    t.diagnostic(`${r.passed} passed, ${r.skipped} skipped, ${r.failed.length} failed`);
    assert.deepEqual(r.failed, [], r.output.slice(-6000));
    if (!process.env.OOO_TEMPEST_REGEX)
      assert.ok(r.passed >= suite.minPassed, `only ${r.passed} passed:\n${r.output.slice(-3000)}`);
  } finally {
    await lab.seed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
