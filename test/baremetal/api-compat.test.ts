// Ironic behaviours ironic-tempest-plugin checks (its run is opt-in; these run always): unversioned paths,
// answers to old microversions, node protection, allocations that start `allocating`, backfill, and the
// port path and body rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baremetalService } from '../../src/baremetal/index.ts';
import type { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON replies freely
type J = any;

const fault = (body: J) => JSON.parse(body.error_message).faultstring as string;

describe('bare metal API: what tempest checks', () => {
  let svc: TestServiceApp;
  let conductor: Conductor;
  const call = async (method: string, url: string, payload?: unknown, version = '1.78') => {
    const res = await svc.app.inject({
      method: method as 'GET',
      url,
      headers: { ...svc.as('admin'), 'x-openstack-ironic-api-version': version },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as J) : undefined };
  };
  const node = async (name: string, extra: J = {}) =>
    (await call('POST', '/v1/nodes', { driver: 'fake-hardware', name, ...extra })).body;
  const move = async (n: string, target: string) => {
    const r = await call('PUT', `/v1/nodes/${n}/states/provision`, { target });
    assert.equal(r.status, 202, `${target}: ${JSON.stringify(r.body)}`);
    await conductor.idle();
  };
  const toActive = async (n: string) => {
    for (const t of ['manage', 'provide', 'active']) await move(n, t);
  };

  before(async () => {
    svc = await startServiceApp(baremetalService, {
      settings: { periodicIntervalMs: 3_600_000, powerSyncIntervalMs: 3_600_000, automatedClean: false },
    });
    conductor = (svc.running.client as { conductor: Conductor }).conductor;
  });
  after(() => svc?.close());

  test('unversioned paths are v1; old microversions get 406, 405 or 404 as in Ironic', async () => {
    const n = await node('compat-1', { resource_class: 'rc1' });
    assert.equal((await call('GET', `/nodes/${n.uuid}`)).body.uuid, n.uuid);
    assert.equal((await call('GET', '/drivers/fake-hardware/properties')).status, 200);
    assert.equal((await call('GET', '/')).body.name, 'OpenStack Ironic API');
    assert.equal((await call('GET', '/v1/nodes?resource_class=rc1', undefined, '1.1')).status, 406);
    assert.equal((await call('GET', '/v1/nodes?fields=traits', undefined, '1.1')).status, 406);
    assert.equal((await call('GET', '/v1/nodes?fields=traits', undefined, '1.36')).status, 406);
    assert.equal((await call('GET', '/v1/nodes?fields=nope')).status, 400);
    const patch = [{ op: 'add', path: '/resource_class', value: 'x' }];
    assert.equal((await call('PATCH', `/v1/nodes/${n.uuid}`, patch, '1.20')).status, 406);
    assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/traits/CUSTOM_A`, undefined, '1.36')).status, 405);
    assert.equal(
      (await call('DELETE', `/v1/nodes/${n.uuid}/traits/CUSTOM_A`, undefined, '1.36')).status,
      404,
    );
    const bad = await call('GET', '/v1/nodes?fault=somefake');
    assert.equal(bad.status, 400);
    assert.match(fault(bad.body), /Unknown fault: somefake/);
    assert.equal((await call('GET', '/v1/nodes?fault=power%20failure')).status, 200);
    // /states follows the node view: 1.1 shows `available` as null, raid_config only from 1.12.
    const old = (await call('POST', '/v1/nodes', { driver: 'fake-hardware' }, '1.1')).body;
    const states = (await call('GET', `/v1/nodes/${old.uuid}/states`, undefined, '1.1')).body;
    assert.equal(states.provision_state, null);
    assert.equal('raid_config' in states, false);
    assert.equal(
      'raid_config' in (await call('GET', `/v1/nodes/${old.uuid}/states`, undefined, '1.12')).body,
      true,
    );
    // fake-hardware's optional interfaces default to fake, as Ironic's FakeHardware.
    const reset = await call('PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'remove', path: '/console_interface' }]);
    assert.equal(reset.body.console_interface, 'fake');
  });

  test('protection: only active nodes, a reason needs it, and it blocks undeploy, rebuild and delete', async () => {
    const n = await node('guarded');
    await move(n.uuid, 'manage');
    await move(n.uuid, 'provide');
    const early = await call('PATCH', `/v1/nodes/${n.uuid}`, [
      { op: 'replace', path: '/protected', value: true },
    ]);
    assert.equal(early.status, 409);
    await move(n.uuid, 'active');
    const reason = [{ op: 'replace', path: '/protected_reason', value: 'why' }];
    assert.equal((await call('PATCH', `/v1/nodes/${n.uuid}`, reason)).status, 400);
    const on = await call('PATCH', `/v1/nodes/${n.uuid}`, [
      { op: 'replace', path: '/protected', value: true },
      ...reason,
    ]);
    assert.deepEqual([on.status, on.body.protected, on.body.protected_reason], [200, true, 'why']);
    for (const target of ['deleted', 'rebuild']) {
      const r = await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { target });
      assert.equal(r.status, 403, target);
      assert.match(fault(r.body), /is protected/);
    }
    await call('PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/maintenance', value: true }]);
    assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}`)).status, 403);
    const off = await call('PATCH', `/v1/nodes/${n.uuid}`, [
      { op: 'replace', path: '/protected', value: false },
    ]);
    assert.deepEqual([off.body.protected, off.body.protected_reason], [false, null]);
    assert.equal((await call('GET', `/v1/nodes/${n.uuid}`)).body.provision_state, 'active');
  });

  test('an allocation starts allocating and is made by the allocator; backfill; the node route', async () => {
    const n = await node('alloc-1', { resource_class: 'gold' });
    await toActive(n.uuid); // deployed: not a candidate
    const free = await node('alloc-2', { resource_class: 'gold' });
    await move(free.uuid, 'manage');
    await move(free.uuid, 'provide');
    const created = await call('POST', '/v1/allocations', { resource_class: 'gold', name: 'a1' });
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.state, created.body.node_uuid], ['allocating', null]);
    let a: J = created.body;
    // The allocator runs as soon as it is asked; the bound only stops a broken build from hanging.
    for (let i = 0; i < 3000 && a.state === 'allocating'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      a = (await call('GET', `/v1/allocations/${a.uuid}`)).body;
    }
    assert.deepEqual([a.state, a.node_uuid, a.last_error], ['active', free.uuid, null]);
    assert.deepEqual((await call('GET', `/nodes/${free.uuid}/allocation`)).body, a);
    assert.equal((await call('GET', `/v1/nodes/${free.uuid}`)).body.allocation_uuid, a.uuid);

    // Backfill for the deployed node: active at once, with the node's resource class.
    assert.equal((await call('POST', '/v1/allocations', { node: n.uuid }, '1.57')).status, 400);
    const back = await call('POST', '/v1/allocations', { node: 'alloc-1' }, '1.58');
    assert.deepEqual(
      [back.status, back.body.state, back.body.node_uuid, back.body.resource_class],
      [201, 'active', n.uuid, 'gold'],
    );
    const twice = await call('POST', '/v1/allocations', { node: n.uuid }, '1.58');
    assert.equal(twice.status, 409);
    const wrongClass = await call('POST', '/v1/allocations', { node: free.uuid, resource_class: 'x' });
    assert.equal(wrongClass.status, 409, 'the free node already has one');

    // Deleting through the node route frees the node (not deployed, so allowed).
    assert.equal((await call('DELETE', `/v1/nodes/${free.uuid}/allocation`)).status, 204);
    assert.equal((await call('GET', `/v1/nodes/${free.uuid}`)).body.allocation_uuid, null);
    assert.equal((await call('GET', `/v1/nodes/${free.uuid}/allocation`)).status, 404);
  });

  test('ports: UUID paths only, a missing node in the body is 400, a physical network needs 1.34', async () => {
    const n = await node('ports-1');
    assert.equal((await call('GET', '/v1/ports/52:54:00:00:00:01')).status, 400);
    assert.equal((await call('GET', '/v1/ports/malformed:uuid')).status, 400);
    const missing = '0b0c1c8e-7a0e-4d8e-9d6c-111111111111';
    const noNode = await call('POST', '/v1/ports', { node_uuid: missing, address: '52:54:00:00:00:02' });
    assert.equal(noNode.status, 400);
    const badNode = await call('POST', '/v1/ports', {
      node_uuid: 'malformed:id',
      address: '52:54:00:00:00:02',
    });
    assert.equal(badNode.status, 400);
    const p = (await call('POST', '/v1/ports', { node_uuid: n.uuid, address: '52:54:00:00:00:03' })).body;
    const physnet = [{ op: 'replace', path: '/physical_network', value: 'p1' }];
    assert.equal((await call('PATCH', `/v1/ports/${p.uuid}`, physnet, '1.33')).status, 406);
    const moved = [{ op: 'replace', path: '/node_uuid', value: missing }];
    assert.equal((await call('PATCH', `/v1/ports/${p.uuid}`, moved)).status, 400);
    assert.equal((await call('GET', `/ports/detail?address=52:54:00:00:00:03`)).body.ports[0].uuid, p.uuid);
  });
});
