// Two conductors on one database (both engines) split the nodes by the hash ring: each one's periodic work
// (wait timeouts, takeover of nodes a dead conductor left mid-action) touches only the nodes the ring gives
// it; once one leaves the ring the other handles every node. The kill -9 version with real processes is
// test/baremetal/conductors-fault.test.ts.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { newNode } from '../../src/baremetal/model/node-create.ts';
import type { ProvisionState } from '../../src/baremetal/model/provision.ts';
import { parseSettings } from '../../src/baremetal/model/settings.ts';
import { ConductorStore } from '../../src/baremetal/store/conductors.ts';
import { baremetalMigrations } from '../../src/baremetal/store/migrations.ts';
import { NodeStore } from '../../src/baremetal/store/nodes.ts';
import { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { nodeResource } from '../../src/baremetal/worker/node-task.ts';
import { SecretBox } from '../../src/platform/crypto/secret-box.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { HashRing } from '../../src/platform/work/ring.ts';
import { forEachEngine } from '../support/engines.ts';

forEachEngine('conductors split the nodes by the hash ring', (fresh) => {
  test('timeouts and takeover only for owned nodes; all of them once the other leaves', async (t) => {
    const db = await fresh();
    await migrate(db, 'platform', platformMigrations);
    await migrate(db, 'baremetal', baremetalMigrations);
    let clock = Date.now();
    const now = () => clock;
    const nodes = new NodeStore(db, new SecretBox({ keys: new Map([[1, randomBytes(32)]]), primary: 1 }));
    const leases = new Leases(db, now);
    const events = new EventLog(db);
    const conductors = new ConductorStore(db);
    const ctx = { log: silentLogger(), signal: new AbortController().signal };
    const make = (host: string) =>
      new Conductor({
        db,
        nodes,
        conductors,
        leases,
        events,
        now,
        settings: parseSettings(
          {
            host,
            // The test runs the periodic rounds itself.
            periodicIntervalMs: 3_600_000,
            powerSyncIntervalMs: 3_600_000,
            heartbeatTimeoutMs: 60_000,
            leaseTtlMs: 5_000,
            waitTimeouts: { 'wait call-back': 10 },
          },
          host,
        ),
      });
    const a = make('cond-a');
    const b = make('cond-b');
    t.after(() => Promise.all([a.stop(), b.stop()]));
    await a.start(ctx);
    await b.start(ctx);
    await Promise.all([a.loopIdle(), b.loopIdle()]); // their first rounds, before any node exists
    await a.periodic(ctx); // sees b in the ring

    const ring = new HashRing(['cond-a', 'cond-b']);
    const add = async (state: ProvisionState, reservation: string | null, simHost?: string) => {
      let uuid = randomUUID();
      // A node whose machine lives at cond-b, though the ring would give it to cond-a.
      while (simHost && ring.owner(uuid) !== 'cond-a') uuid = randomUUID();
      const n = newNode({ driver: 'fake-hardware' }, 78, {
        uuid,
        now: new Date(clock).toISOString(),
        state,
        defaultResourceClass: null,
      });
      n.target_provision_state = 'active';
      n.provision_updated_at = new Date(clock - 60_000).toISOString();
      n.reservation = reservation;
      if (simHost) n.driver_internal_info.sim_host = simHost;
      await nodes.insert(n);
      if (reservation) await leases.claim(nodeResource(n.uuid), `${reservation}/x`, 'deploy', 1_000);
      return n.uuid;
    };
    const waiting: string[] = [];
    const cutShort: string[] = [];
    for (let i = 0; i < 12; i++) waiting.push(await add('wait call-back', null));
    for (let i = 0; i < 12; i++) cutShort.push(await add('deploying', 'cond-gone'));
    const pinned = await add('wait call-back', null, 'cond-b');
    clock += 2_000; // the dead conductor's leases expire
    const ofA = (u: string) => ring.owner(u) === 'cond-a';
    assert.ok(waiting.some(ofA) && !waiting.every(ofA), 'the ring splits the nodes');

    await a.periodic(ctx);
    const state = async (u: string) => (await nodes.get(u))?.provision_state;
    for (const u of [...waiting, ...cutShort].filter(ofA)) assert.equal(await state(u), 'deploy failed');
    for (const u of waiting.filter((u) => !ofA(u))) assert.equal(await state(u), 'wait call-back');
    assert.equal(await state(pinned), 'wait call-back', "the machine's conductor keeps its node");
    for (const u of cutShort.filter((u) => !ofA(u))) assert.equal(await state(u), 'deploying');
    for (const u of cutShort.filter(ofA))
      assert.match(
        (await nodes.get(u))?.last_error ?? '',
        /conductor cond-gone stopped.*Taken over by cond-a/,
      );

    // b leaves the ring: a's next round covers every node.
    await b.stop();
    await a.periodic(ctx);
    assert.deepEqual(a.ringMembers(), ['cond-a']);
    for (const u of [...waiting, pinned]) {
      const n = await nodes.get(u);
      assert.equal(n?.provision_state, 'deploy failed');
      assert.match(n?.last_error ?? '', /Timeout reached while waiting for callback/);
    }
    for (const u of cutShort) assert.equal(await state(u), 'deploy failed');
    const took = await events.listSince(0, { limit: 1000 });
    const byNode = new Map(took.map((e) => [e.resourceId, e.details.conductor]));
    for (const u of [...waiting, ...cutShort]) assert.equal(byNode.get(u), 'cond-a');
  });
});
