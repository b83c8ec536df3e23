// `openstack software deployment` with the real python3-heatclient: create (the client derives the
// config, then POSTs the deployment), list, show, metadata, output show after the machine reported its
// outputs (PUT, as the heat collector's machine side does), and delete.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON is read loosely
type Json = Record<string, any>;
const SERVER = '0b6f0f5e-7d8e-4a5b-9f53-2b6f2a6a1c01';

describe('openstack software deployment CLI', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  const ok = async (args: string[]) => {
    const r = await openstack(seed.cliEnv, args, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  before(async () => {
    seed = await startTestSeed({ services: ['orchestration'] });
  });
  after(async () => {
    await seed?.stop();
  });

  test('create, list, show, metadata, output show, delete', async () => {
    const cfg = join(seed.stateDir, 'cfg.sh');
    writeFileSync(cfg, '#!/bin/sh\necho "hello $greeting"\n');
    const config = (
      await ok([
        'software',
        'config',
        'create',
        '--config-file',
        cfg,
        '--group',
        'script',
        '-f',
        'json',
        'hello',
      ])
    ).json<Json>();
    const dep = (
      await ok([
        'software',
        'deployment',
        'create',
        '--config',
        config.id,
        '--server',
        SERVER,
        '--signal-transport',
        'NO_SIGNAL',
        '--input-value',
        'greeting=world',
        '-f',
        'json',
        'hello-deploy',
      ])
    ).json<Json>();
    assert.equal(dep.status, 'IN_PROGRESS');
    assert.equal(dep.server_id, SERVER);
    assert.equal(dep.action, 'UPDATE');
    const list = (await ok(['software', 'deployment', 'list', '--server', SERVER, '-f', 'json'])).json<
      Json[]
    >();
    assert.deepEqual(
      list.map((d) => d.id),
      [dep.id],
    );
    const md = JSON.parse(
      (await ok(['software', 'deployment', 'metadata', 'show', SERVER])).stdout,
    ) as Json[];
    assert.equal(md.length, 1);
    assert.equal(md[0]?.name, 'hello-deploy');
    assert.equal(md[0]?.group, 'script');
    assert.deepEqual(
      ((md[0]?.inputs ?? []) as Json[])
        .filter((i) => ['greeting', 'deploy_signal_transport'].includes(i.name))
        .map((i) => i.value),
      ['world', 'NO_SIGNAL'],
    );
    // The machine reports its outputs.
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const show0 = (await ok(['software', 'deployment', 'show', dep.id, '-f', 'json'])).json<Json>();
    assert.equal(show0.config_id, dep.config_id);
    const project = (
      (await (
        await fetch(`${seed.authUrl}/auth/tokens`, {
          headers: { 'x-auth-token': token, 'x-subject-token': token },
        })
      ).json()) as Json
    ).token.project.id;
    const put = await fetch(`${seed.urls.orchestration}/v1/${project}/software_deployments/${dep.id}`, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'COMPLETE',
        status_reason: 'Outputs received',
        output_values: { deploy_stdout: 'hello world\n', deploy_status_code: 0 },
      }),
    });
    assert.equal(put.status, 200);
    const shown = (await ok(['software', 'deployment', 'show', dep.id, '--long', '-f', 'json'])).json<Json>();
    assert.equal(shown.status, 'COMPLETE');
    assert.deepEqual(shown.input_values, {});
    const out = await ok(['software', 'deployment', 'output', 'show', dep.id, 'deploy_stdout']);
    assert.match(out.stdout, /hello world/);
    const missing = await openstack(seed.cliEnv, [
      'software',
      'deployment',
      'output',
      'show',
      dep.id,
      'nope',
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Output nope does not exist/);
    await ok(['software', 'deployment', 'delete', dep.id]);
    const gone = await openstack(seed.cliEnv, ['software', 'deployment', 'show', dep.id]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Software Deployment not found/);
  });
});
