// `ooo node timeline` as a real process against a test seed: a fake-hardware node deployed through the API
// shows the phases its events hold; a node never deployed says so (exit 3); an unknown node exits 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeCredentials } from '../../src/seed/credentials.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';
import { OOO } from '../support/seed-process.ts';

function ooo(env: Record<string, string>, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      OOO,
      args,
      { env: { PATH: process.env.PATH, ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('ooo node timeline', () => {
  let seed: TestSeed;
  let token: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${seed.urls.baremetal}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        'x-openstack-ironic-api-version': '1.78',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const reach = async (uuid: string, verb: string, state: string) => {
    await call('PUT', `/v1/nodes/${uuid}/states/provision`, { target: verb });
    for (;;) {
      const n = await call('GET', `/v1/nodes/${uuid}`);
      if (n.provision_state === state && !n.target_provision_state) return;
      assert.ok(!String(n.provision_state).endsWith('failed'), `${verb}: ${n.last_error}`);
      await sleep(200);
    }
  };

  before(async () => {
    seed = await startTestSeed({ services: ['baremetal'] });
    token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
  });
  after(() => seed?.stop());

  test('a deployed fake-hardware node: power on, deploying → active, total', async () => {
    const n = await call('POST', '/v1/nodes', { driver: 'fake-hardware', name: 'tl1' });
    const uuid = String(n.uuid);
    const never = await ooo(seed.cliEnv, ['node', 'timeline', 'tl1']);
    assert.equal(never.code, 3);
    assert.match(never.stdout, /tl1: no deploy recorded \(provision state enroll\)/);

    await reach(uuid, 'manage', 'manageable');
    await reach(uuid, 'provide', 'available');
    await reach(uuid, 'active', 'active');
    const r = await ooo(seed.cliEnv, ['node', 'timeline', 'tl1']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^tl1: last deploy started \d{4}-\d\d-\d\dT/);
    assert.ok(
      lines.some((l) => /^ {2}power on +\d+\.\d{3} s$/.test(l)),
      r.stdout,
    );
    assert.ok(
      lines.some((l) => /^ {2}deploying → active +\d+\.\d{3} s$/.test(l)),
      r.stdout,
    );
    assert.match(lines.at(-1)!, /^ {2}total +\d+\.\d{3} s {2}active$/);

    const events = (await call('GET', `/v1/nodes/${uuid}/events`)).events as { kind: string }[];
    assert.ok(events.some((e) => e.kind === 'provision'));
  });

  test("without OS_* it uses the state directory's clouds.yaml", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ooo-timeline-state-'));
    try {
      writeCredentials(dir, {
        authUrl: seed.authUrl,
        username: 'admin',
        password: seed.adminPassword,
        projectName: 'admin',
        region: seed.config.region,
      });
      const r = await ooo({ HOME: dir }, ['node', 'timeline', 'tl1', '--state-dir', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^tl1: last deploy started/);
      const none = await ooo({ HOME: dir }, ['node', 'timeline', 'tl1', '--state-dir', join(dir, 'nope')]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no OS_CLOUD or OS_AUTH_URL, and no .*clouds\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown node', async () => {
    const r = await ooo(seed.cliEnv, ['node', 'timeline', 'no-such-node']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no node no-such-node/);
  });
});
