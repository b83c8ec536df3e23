// The bare metal stores on both engines: nodes (sealed driver_info, filters, uniqueness, the fenced save),
// ports (unique MAC, node must exist), allocations; and the API's one-winner race on PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { baremetalService } from '../../src/baremetal/index.ts';
import { newNode } from '../../src/baremetal/model/node-create.ts';
import { newPort } from '../../src/baremetal/model/port.ts';
import { newPortgroup } from '../../src/baremetal/model/portgroup.ts';
import { AllocationStore } from '../../src/baremetal/store/allocations.ts';
import { baremetalMigrations } from '../../src/baremetal/store/migrations.ts';
import { NodeStore } from '../../src/baremetal/store/nodes.ts';
import { PortgroupStore } from '../../src/baremetal/store/portgroups.ts';
import { PortStore } from '../../src/baremetal/store/ports.ts';
import type { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { SecretBox } from '../../src/platform/crypto/secret-box.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { forEachEngine } from '../support/engines.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';
import { startServiceApp } from '../support/service-app.ts';

const node = (body: Record<string, unknown>) =>
  newNode({ driver: 'fake-hardware', ...body }, 78, {
    uuid: randomUUID(),
    now: new Date().toISOString(),
    state: 'enroll',
    defaultResourceClass: null,
  });

forEachEngine('bare metal stores', (fresh) => {
  test('nodes: sealed driver_info, filters, duplicates, fenced save', async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await migrate(db, 'baremetal', baremetalMigrations);
    const nodes = new NodeStore(db, new SecretBox({ keys: new Map([[1, randomBytes(32)]]), primary: 1 }));
    const a = node({ name: 'a', driver_info: { ipmi_password: 'pw-a' }, resource_class: 'rc1', owner: 'p1' });
    const b = node({ name: 'b', resource_class: 'rc2', lessee: 'p1', maintenance: true });
    await nodes.insert(a);
    await nodes.insert(b);
    assert.equal((await nodes.get(a.uuid))?.driver_info.ipmi_password, 'pw-a');
    assert.equal((await nodes.byName('b'))?.uuid, b.uuid);
    const raw = JSON.stringify(await db.all('SELECT * FROM bm_nodes'));
    assert.ok(!raw.includes('pw-a'));
    assert.deepEqual(
      (await nodes.list({ resource_class: 'rc1' })).map((n) => n.name),
      ['a'],
    );
    assert.deepEqual(
      (await nodes.list({ maintenance: true })).map((n) => n.name),
      ['b'],
    );
    assert.deepEqual((await nodes.list({ project: 'p1' })).map((n) => n.name).sort(), ['a', 'b']);
    assert.deepEqual((await nodes.list({ associated: false })).length, 2);
    await assert.rejects(nodes.insert(node({ name: 'a' })), { type: 'DuplicateName', status: 409 });
    await assert.rejects(nodes.insert({ ...node({}), uuid: a.uuid }), { type: 'NodeAlreadyExists' });

    // The fenced save writes only while the reservation is what the writer expects.
    const reserved = { ...a, reservation: 'c1' };
    assert.equal(await nodes.save(reserved), true);
    assert.equal(await nodes.save({ ...reserved, name: 'x' }, db, { expectReservation: 'c2' }), false);
    assert.equal(await nodes.save({ ...reserved, name: 'a2' }, db, { expectReservation: 'c1' }), true);
    assert.equal((await nodes.get(a.uuid))?.name, 'a2');
    assert.equal((await nodes.reserved()).length, 1);
    assert.deepEqual((await nodes.inStates(['enroll'])).length, 2);
  });

  test('ports: unique MAC, node must exist; allocations: unique name', async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await migrate(db, 'baremetal', baremetalMigrations);
    const nodes = new NodeStore(db, new SecretBox({ keys: new Map([[1, randomBytes(32)]]), primary: 1 }));
    const ports = new PortStore(db);
    const n = node({ name: 'n' });
    await nodes.insert(n);
    const now = new Date().toISOString();
    const p = newPort({ address: '52:54:00:00:00:01' }, 78, { uuid: randomUUID(), nodeUuid: n.uuid, now });
    await ports.insert(p);
    await assert.rejects(
      ports.insert(
        newPort({ address: '52:54:00:00:00:01' }, 78, { uuid: randomUUID(), nodeUuid: n.uuid, now }),
      ),
      { type: 'MACAlreadyExists', status: 409 },
    );
    await assert.rejects(
      ports.insert(
        newPort({ address: '52:54:00:00:00:02' }, 78, { uuid: randomUUID(), nodeUuid: randomUUID(), now }),
      ),
      { type: 'NodeNotFound', status: 404 },
    );
    assert.deepEqual(
      (await ports.list({ node_uuid: n.uuid })).map((x) => x.address),
      ['52:54:00:00:00:01'],
    );
    assert.deepEqual(await ports.list({ nodeUuids: [] }), []);
    await ports.deleteOfNode(n.uuid);
    assert.deepEqual(await ports.list(), []);

    const allocations = new AllocationStore(db);
    const base = {
      node_uuid: null,
      state: 'error' as const,
      last_error: null,
      resource_class: 'rc',
      traits: [],
      candidate_nodes: [],
      extra: {},
      owner: null,
      created_at: now,
      updated_at: null,
    };
    await allocations.insert({ ...base, uuid: randomUUID(), name: 'al' });
    await assert.rejects(allocations.insert({ ...base, uuid: randomUUID(), name: 'al' }), {
      type: 'AllocationDuplicateName',
    });
  });

  test('port groups: unique name and MAC (NULLs allowed twice), node must exist, lists by node and MAC', async () => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await migrate(db, 'baremetal', baremetalMigrations);
    const nodes = new NodeStore(db, new SecretBox({ keys: new Map([[1, randomBytes(32)]]), primary: 1 }));
    const groups = new PortgroupStore(db);
    const n = node({ name: 'n' });
    await nodes.insert(n);
    const now = new Date().toISOString();
    const make = (body: Record<string, unknown>, nodeUuid = n.uuid) =>
      newPortgroup(body, 78, { uuid: randomUUID(), nodeUuid, now });
    const bond = make({ name: 'bond0', address: '52:54:00:00:01:01' });
    await groups.insert(bond);
    await groups.insert(make({}));
    await groups.insert(make({})); // no name and no MAC: not duplicates
    await assert.rejects(groups.insert(make({ name: 'bond0' })), {
      type: 'PortgroupDuplicateName',
      status: 409,
    });
    await assert.rejects(groups.insert(make({ address: '52:54:00:00:01:01' })), {
      type: 'PortgroupMACAlreadyExists',
      status: 409,
    });
    await assert.rejects(groups.insert(make({}, randomUUID())), { type: 'NodeNotFound', status: 400 });
    assert.equal((await groups.byName('bond0'))?.uuid, bond.uuid);
    assert.equal((await groups.list({ node_uuid: n.uuid })).length, 3);
    assert.deepEqual(
      (await groups.list({ address: '52:54:00:00:01:01' })).map((g) => g.uuid),
      [bond.uuid],
    );
    await groups.save({ ...bond, name: 'bond1', mode: '802.3ad' });
    assert.equal((await groups.get(bond.uuid))?.mode, '802.3ad');
    assert.equal(await groups.byName('bond0'), undefined);
    assert.equal(await groups.delete(bond.uuid), true);
    await groups.deleteOfNode(n.uuid);
    assert.deepEqual(await groups.list(), []);
  });
});

describe('two clients on one node, sharing PostgreSQL', { skip: postgresUnavailable() }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  test('eight concurrent manage requests: one 202, the rest 409 or 400, one transition', async () => {
    const svc = await startServiceApp(baremetalService, {
      databaseUrl: createDatabase(pg.url, `bm_${randomBytes(4).toString('hex')}`),
      settings: { periodicIntervalMs: 3_600_000 },
    });
    try {
      const h = { ...svc.as('admin'), 'x-openstack-ironic-api-version': '1.78' };
      const created = await svc.app.inject({
        method: 'POST',
        url: '/v1/nodes',
        headers: h,
        payload: { driver: 'fake-hardware', name: 'pgrace' },
      });
      assert.equal(created.statusCode, 201);
      const codes = (
        await Promise.all(
          Array.from({ length: 8 }, () =>
            svc.app.inject({
              method: 'PUT',
              url: '/v1/nodes/pgrace/states/provision',
              headers: h,
              payload: { target: 'manage' },
            }),
          ),
        )
      ).map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 202).length, 1, `codes ${codes}`);
      assert.ok(
        codes.every((c) => c === 202 || c === 409 || c === 400),
        `codes ${codes}`,
      );
      await (svc.running.client as { conductor: Conductor }).conductor.idle();
      const events = await svc.db.all<{ to_state: string }>(
        "SELECT to_state FROM events WHERE resource_type = 'baremetal-node' AND to_state = 'verifying'",
      );
      assert.equal(events.length, 1);
    } finally {
      await svc.close();
    }
  });
});
