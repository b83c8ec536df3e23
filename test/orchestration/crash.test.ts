// An engine killed with -9 in the middle of a create leaves nothing IN_PROGRESS forever: the next engine
// to start finds the stack's lease expired, fails the stack and its resource with a reason, and delete works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import { CALLER, engineOn, statuses } from './helpers.ts';

test('kill -9 during create: the stack becomes CREATE_FAILED on the next start, then deletes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-heat-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.sqlite');
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'crash-child.ts'), file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stackId = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /in-progress (\S+)\n/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const db = openDatabase(file);
  t.after(() => db.close());
  const { engine, store } = await engineOn(db, { owner: 'engine-restarted' });
  const before = await store.getStack(stackId);
  assert.equal(`${before?.action}_${before?.status}`, 'CREATE_IN_PROGRESS');
  // The dead engine's lease lasts 300 ms; until it expires the stack is still considered owned.
  let recovered = 0;
  for (let i = 0; i < 100 && recovered === 0; i++) {
    recovered = await engine.recover();
    if (recovered === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(recovered, 1);
  const after = await store.getStack(stackId);
  assert.equal(`${after?.action}_${after?.status}`, 'CREATE_FAILED');
  assert.equal(after?.statusReason, 'Engine engine-killed stopped while the stack was CREATE_IN_PROGRESS');
  assert.deepEqual(await statuses(store, stackId), { quick: 'CREATE_COMPLETE', slow: 'CREATE_FAILED' });
  const events = (await store.events([stackId], {})).map((e) => `${e.resourceName} ${e.action}_${e.status}`);
  assert.deepEqual(events.slice(-2), ['slow CREATE_FAILED', 'killed CREATE_FAILED']);
  await engine.delete(CALLER, after as never);
  await engine.idle();
  assert.ok((await store.getStack(stackId))?.deletedAt);
  assert.deepEqual(await store.resources(stackId), []);
});
