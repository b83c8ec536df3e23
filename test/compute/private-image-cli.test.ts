// A project's private image through the real CLI: its owner's server deploys it (the bare metal service
// reads it for that project's instance), another project's user cannot name it (Nova's 400), and the bare
// metal service refuses to put it on a node deployed for no project or another one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../support/openstack-cli.ts';
import { type Json, type ServerLab, startServerLab } from './servers-sim.ts';

describe('a private image on bare metal', { timeout: 900_000 }, () => {
  let lab: ServerLab;
  let dir: string;
  let nodes: Json[];
  before(async () => {
    lab = await startServerLab();
    dir = mkdtempSync(join(tmpdir(), 'ooo-private-image-'));
    nodes = await lab.simNodes(['pi-0', 'pi-1'], 0x0300);
  });
  after(async () => {
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("its project's server deploys it; another project cannot use it", async () => {
    const alice = await lab.seed.addUser('alice');
    const bob = await lab.seed.addUser('bob');
    const as = async (env: Record<string, string>, ...args: string[]) => {
      const r = await openstack(env, args, { timeoutMs: 300_000 });
      return r;
    };
    const okAs = async (env: Record<string, string>, ...args: string[]): Promise<Json> => {
      const r = await as(env, ...args);
      assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
      return args.includes('json') ? r.json() : r.stdout;
    };
    const file = join(dir, 'private.raw');
    writeFileSync(file, randomBytes(1024 * 1024));
    const image = await okAs(
      alice.cliEnv,
      'image',
      'create',
      '--private',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      file,
      'alice-img',
      '-f',
      'json',
    );
    assert.equal(image.visibility, 'private');

    // Bob's project does not see it: the CLI cannot resolve it, and Nova answers 400 as for any unknown image.
    const cli = await as(bob.cliEnv, 'server', 'create', '--image', image.id, '--flavor', 'baremetal', 'b');
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /No Image found|could not be found/);
    const flavor = (await lab.ok('flavor', 'show', 'baremetal', '-f', 'json')).id;
    const api = await fetch(`${lab.seed.urls.compute}/v2.1/servers`, {
      method: 'POST',
      headers: { 'x-auth-token': bob.token, 'content-type': 'application/json' },
      body: JSON.stringify({ server: { name: 'b', imageRef: image.id, flavorRef: flavor } }),
    });
    assert.equal(api.status, 400);
    assert.deepEqual(await api.json(), {
      badRequest: { code: 400, message: `Image ${image.id} could not be found.` },
    });

    // Alice's server deploys it.
    const made = await okAs(
      alice.cliEnv,
      'server',
      'create',
      '--image',
      'alice-img',
      '--flavor',
      'baremetal',
      '--wait',
      'alice-srv',
      '-f',
      'json',
    );
    assert.equal(made.status, 'ACTIVE', JSON.stringify(made.fault));
    const node = (await lab.ironic('GET', `/v1/nodes?instance_uuid=${made.id}`)).body.nodes[0];
    assert.ok(node, 'the server holds a node');
    const detail = (await lab.ironic('GET', `/v1/nodes/${node.uuid}`)).body;
    assert.equal(detail.instance_info.image_source, image.id);
    assert.equal(detail.instance_info.project_id, alice.projectId);
    assert.equal(detail.provision_state, 'active');

    // The bare metal service, asked directly (by its admin) to deploy the image for no project, refuses.
    const other = nodes.find((n) => n.uuid !== node.uuid);
    await lab.ironic('PATCH', `/v1/nodes/${other.uuid}`, [
      { op: 'add', path: '/instance_info/image_source', value: image.id },
    ]);
    const deploy = await lab.ironic('PUT', `/v1/nodes/${other.uuid}/states/provision`, { target: 'active' });
    assert.equal(deploy.status, 202, JSON.stringify(deploy.body));
    let refused: Json;
    for (;;) {
      refused = (await lab.ironic('GET', `/v1/nodes/${other.uuid}`)).body;
      if (!['deploying', 'wait call-back', 'available'].includes(refused.provision_state)) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.equal(refused.provision_state, 'deploy failed');
    assert.match(refused.last_error, /is private to project .*; the deploy is for no project/);

    await okAs(alice.cliEnv, 'server', 'delete', '--wait', 'alice-srv');
    assert.deepEqual(await okAs(alice.cliEnv, 'server', 'list', '-f', 'json'), []);
  });
});
