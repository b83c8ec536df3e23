// `ooo seed up` as an operator runs it: a real process, lines per service, ready, clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { cloudIn, parseCloudsYaml } from '../../src/platform/clouds-yaml.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';

const OOO = resolve(import.meta.dirname, '../../bin/ooo');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((done) => {
    const p = spawn(OOO, args, { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code, out, err }));
  });
}

/** `ooo seed up` on the state, once it printed ready; `output()` is everything it printed so far. */
async function seedUp(state: string) {
  const seed = spawn(OOO, ['seed', 'up', '--state-dir', state], { env: process.env });
  let out = '';
  seed.stderr.on('data', (d) => (out += d));
  await new Promise<void>((ready, fail) => {
    seed.stdout.on('data', (d) => {
      out += d;
      if (/^ready$/m.test(out)) ready();
    });
    seed.on('close', (code) => fail(new Error(`seed up exited ${code} before ready:\n${out}`)));
  });
  return { seed, output: () => out };
}

test('seed up serves every service, writes credentials, answers status and stops on SIGTERM', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'ooo-seed-up-'));
  // Port 0 for every service: tests never assume the conventional ports are free.
  const ports = Object.fromEntries(ALL_SERVICES.map((d) => [d.name, 0]));
  writeFileSync(join(state, 'ooo.json'), JSON.stringify({ ports }));
  try {
    const { seed, output } = await seedUp(state);
    const out = output();
    for (const def of ALL_SERVICES)
      assert.match(out, new RegExp(`^${def.name} +http://127\\.0\\.0\\.1:\\d+`, 'm'));
    // Identity is part of every seed, so the first run bootstraps it and writes private credentials.
    assert.ok(
      ALL_SERVICES.some((d) => d.name === 'identity'),
      'the seed serves identity',
    );
    assert.match(out, /bootstrapped/);
    for (const f of ['clouds.yaml', 'seedrc']) {
      assert.equal(statSync(join(state, f)).mode & 0o777, 0o600, `${f} is private`);
    }
    const clouds = parseCloudsYaml(readFileSync(join(state, 'clouds.yaml'), 'utf8'));
    const auth = cloudIn(clouds, 'seed')?.auth as Record<string, unknown> | undefined;
    assert.match(String(auth?.auth_url), /^http:\/\/127\.0\.0\.1:\d+\/v3$/);
    assert.equal(auth?.username, 'admin');
    assert.match(readFileSync(join(state, 'seedrc'), 'utf8'), /^export OS_PASSWORD='.+'$/m);
    const noCli = cliUnavailable();
    if (noCli) {
      t.diagnostic(`real-client part skipped: ${noCli}`);
    } else {
      // The real client, pointed at the seed only through the clouds.yaml the bootstrap wrote.
      const env = { OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'), OS_CLOUD: 'seed' };
      const issued = await openstack(env, ['token', 'issue', '-f', 'json']);
      assert.equal(issued.code, 0, issued.stderr);
      assert.ok(issued.json<{ id: string }>().id.length > 20);
      const rotated = await run(['keys', 'rotate', '--state-dir', state]);
      assert.equal(rotated.code, 0, rotated.err);
      assert.match(rotated.out, /key \d+ is now primary/);
      const catalog = await openstack(env, ['catalog', 'list', '-f', 'json']);
      assert.equal(catalog.code, 0, catalog.stderr);
      assert.ok(catalog.json<{ Type: string }[]>().some((c) => c.Type === 'identity'));
    }
    const status = await run(['seed', 'status', '--state-dir', state]);
    assert.equal(status.code, 0, status.out + status.err);
    assert.match(status.out, new RegExp(`all ${ALL_SERVICES.length} services answer`));

    const exited = new Promise<number | null>((done) => seed.on('close', done));
    seed.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output(), /seed: stopped/);
    assert.equal(existsSync(join(state, 'seed.json')), false, 'the run file is removed');
    const after = await run(['seed', 'status', '--state-dir', state]);
    assert.equal(after.code, 3);

    // Started again on the same state with port 0, identity listens elsewhere: the operator's files follow.
    const { seed: again, output: output2 } = await seedUp(state);
    const out2 = output2();
    const identityUrl = /^identity +(http:\/\/127\.0\.0\.1:\d+)/m.exec(out2)?.[1];
    const auth2 = cloudIn(parseCloudsYaml(readFileSync(join(state, 'clouds.yaml'), 'utf8')), 'seed')?.auth as
      | Record<string, unknown>
      | undefined;
    assert.equal(auth2?.auth_url, `${identityUrl}/v3`);
    assert.equal(auth2?.password, auth?.password, 'the same credentials');
    if (!noCli) {
      const env = { OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'), OS_CLOUD: 'seed' };
      const issued = await openstack(env, ['token', 'issue', '-f', 'json']);
      assert.equal(issued.code, 0, issued.stderr);
    }
    const exited2 = new Promise<number | null>((done) => again.on('close', done));
    again.kill('SIGTERM');
    assert.equal(await exited2, 0);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

test('seed commands refuse bad flags and unknown commands with usage errors', async () => {
  const bad = await run(['seed', 'up', '--port-offset', 'ten', '--state-dir', join(tmpdir(), 'never')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /not a whole number/);
  const unknown = await run(['seed', 'up', '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /Unknown option '--frobnicate'/);
  const nothing = await run(['fly', 'away']);
  assert.equal(nothing.code, 2);
  assert.match(nothing.err, /unknown command: fly away/);
});
