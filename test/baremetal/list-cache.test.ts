// Node lists reuse parsed rows and rendered JSON while a node is unchanged: a change made through the API,
// or written to the table by another process (here a second store on the same database), shows in the very
// next list; each microversion and `fields` gets its own rendering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baremetalService } from '../../src/baremetal/index.ts';
import { NodeStore } from '../../src/baremetal/store/nodes.ts';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { startServiceApp } from '../support/service-app.ts';

test('lists see every change at once, per microversion and fields', async (t) => {
  const svc = await startServiceApp(baremetalService);
  t.after(() => svc.close());
  const get = async (url: string, version = '1.78') => {
    const r = await svc.app.inject({
      method: 'GET',
      url,
      headers: { ...svc.as('admin'), 'x-openstack-ironic-api-version': version },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /application\/json/);
    return r.json() as { nodes: Record<string, unknown>[] };
  };
  const made = await svc.app.inject({
    method: 'POST',
    url: '/v1/nodes',
    headers: { ...svc.as('admin'), 'x-openstack-ironic-api-version': '1.78' },
    payload: {
      driver: 'fake-hardware',
      name: 'cached',
      description: 'one',
      driver_info: { ipmi_password: 'pw' },
    },
  });
  assert.equal(made.statusCode, 201);
  const uuid = made.json().uuid as string;

  assert.equal((await get('/v1/nodes/detail')).nodes[0]?.description, 'one');
  assert.equal((await get('/v1/nodes/detail')).nodes[0]?.description, 'one', 'a second list of the same');
  const patched = await svc.app.inject({
    method: 'PATCH',
    url: `/v1/nodes/${uuid}`,
    headers: { ...svc.as('admin'), 'x-openstack-ironic-api-version': '1.78' },
    payload: [{ op: 'replace', path: '/description', value: 'two' }],
  });
  assert.equal(patched.statusCode, 200);
  assert.equal((await get('/v1/nodes/detail')).nodes[0]?.description, 'two');

  // Another process's write: a second store on the same database and key ring.
  const other = new NodeStore(svc.db, openSecretBox(svc.stateDir));
  const n = await other.get(uuid);
  assert.ok(n);
  n.description = 'three';
  n.driver_info.ipmi_address = '10.0.0.9';
  await other.save(n);
  const detail = (await get('/v1/nodes/detail')).nodes[0];
  assert.equal(detail?.description, 'three');
  assert.deepEqual(detail?.driver_info, { ipmi_password: '******', ipmi_address: '10.0.0.9' });

  // Each view is rendered for its own version and fields.
  assert.equal('description' in ((await get('/v1/nodes/detail', '1.2')).nodes[0] ?? {}), false);
  assert.deepEqual(Object.keys((await get('/v1/nodes?fields=uuid,description')).nodes[0] ?? {}).sort(), [
    'description',
    'links',
    'uuid',
  ]);
  assert.deepEqual((await get('/v1/nodes?fields=driver_info')).nodes[0]?.driver_info, {
    ipmi_password: '******',
    ipmi_address: '10.0.0.9',
  });
  const six = (await get('/v1/nodes')).nodes[0] ?? {};
  assert.deepEqual(Object.keys(six).sort(), [
    'instance_uuid',
    'links',
    'maintenance',
    'name',
    'power_state',
    'provision_state',
    'uuid',
  ]);
});
