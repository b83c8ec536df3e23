// `ooo start` (npm start) with --no-lab: the seed alone, ready, no lab made, stopped cleanly by SIGTERM.
// (The lab demo it otherwise runs is src/lab/demo.ts, tested end to end by pxe-deploy.test.ts.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OOO } from '../support/seed-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'ooo-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('ooo start --no-lab serves the seed until SIGTERM and makes no lab', { timeout: 180_000 }, async () => {
  writeFileSync(
    join(dir, 'ooo.json'),
    JSON.stringify({
      ports: { identity: 0, image: 0, network: 0, baremetal: 0, orchestration: 0, compute: 0 },
      settings: { identity: { hashCostLog2: 10 } },
    }),
  );
  const child = spawn(OOO, ['start', '--no-lab', '--state-dir', dir]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((done) => child.on('close', done));
  for (let i = 0; i < 1200 && !/^ready$/m.test(out) && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.match(out, /^ready$/m, out);
  assert.match(out, /^baremetal +http:\/\/127\.0\.0\.1:\d+$/m);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /seed: stopped/);
  assert.doesNotMatch(out, /^(demo|lab|images):/m);
  assert.equal(existsSync(join(dir, 'lab')), false);
});
