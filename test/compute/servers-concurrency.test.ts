// Scheduling under concurrency: 20 server creates at once against 10 available sim nodes. Each node is
// claimed through one bare metal allocation, atomically, so exactly 10 servers go ACTIVE on 10 distinct
// nodes (each node's instance_uuid is its server), and the other 10 end in ERROR with "No valid host" and
// hold nothing: no node, no port, no allocation. Then the CLI lists them, and deleting all frees every node.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { type Json, type ServerLab, startServerLab } from './servers-sim.ts';

const NODES = 10;
const SERVERS = 20;

describe('20 concurrent server creates on 10 sim nodes', { skip: cliUnavailable() }, () => {
  let lab: ServerLab;
  let dir: string;

  before(async () => {
    lab = await startServerLab();
    dir = mkdtempSync(join(tmpdir(), 'ooo-servers-race-'));
    await lab.image(dir, 'img', 1);
    await lab.simNodes(
      Array.from({ length: NODES }, (_, i) => `race-${i}`),
      0x0200,
    );
  });
  after(async () => {
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('exactly the pool goes ACTIVE, one server per node; the rest ERROR with No valid host', async () => {
    const image = (await lab.ok('image', 'show', 'img', '-f', 'json')).id;
    const flavor = (await lab.ok('flavor', 'show', 'baremetal', '-f', 'json')).id;
    const accepted = await Promise.all(
      Array.from({ length: SERVERS }, (_, i) =>
        lab.nova(
          'POST',
          '/servers',
          { server: { name: `race-${i}`, imageRef: image, flavorRef: flavor } },
          '2.1',
        ),
      ),
    );
    assert.deepEqual(
      accepted.map((r) => r.status),
      Array(SERVERS).fill(202),
    );
    const settled: Json[] = [];
    for (const r of accepted) settled.push(await lab.settle(r.body.server.id));

    const active = settled.filter((s) => s.status === 'ACTIVE');
    const errored = settled.filter((s) => s.status === 'ERROR');
    assert.equal(active.length, NODES, settled.map((s) => `${s.name} ${s.status}`).join(', '));
    assert.equal(errored.length, SERVERS - NODES);
    for (const s of errored) {
      assert.match(s.fault.message, /^No valid host was found\. /);
      assert.equal(s['OS-EXT-SRV-ATTR:hypervisor_hostname'], null);
      assert.deepEqual(s.addresses, {});
    }
    // No node with two instances: the ACTIVE servers' nodes are distinct, and each node names its server.
    const onNodes = active.map((s) => s['OS-EXT-SRV-ATTR:hypervisor_hostname']);
    assert.equal(new Set(onNodes).size, NODES);
    const nodes = (await lab.ironic('GET', '/v1/nodes/detail')).body.nodes;
    for (const s of active) {
      const n = nodes.find((x: Json) => x.uuid === s['OS-EXT-SRV-ATTR:hypervisor_hostname']);
      assert.equal(n.instance_uuid, s.id);
      assert.equal(n.provision_state, 'active');
    }
    const allocations = (await lab.ironic('GET', '/v1/allocations')).body.allocations;
    assert.deepEqual(
      allocations.map((a: Json) => a.uuid).sort(),
      active.map((s) => s.id).sort(),
      'one allocation per ACTIVE server, none for the others',
    );
    const ports = (await lab.neutron('/v2.0/ports')).ports.filter(
      (p: Json) => p.device_owner === 'compute:nova',
    );
    assert.deepEqual(ports.map((p: Json) => p.device_id).sort(), active.map((s) => s.id).sort());
    assert.equal(new Set(ports.map((p: Json) => p.fixed_ips[0].ip_address)).size, NODES);

    const listed = await lab.ok('server', 'list', '-f', 'json');
    assert.equal(listed.filter((s: Json) => s.Status === 'ACTIVE').length, NODES);
    assert.equal(listed.filter((s: Json) => s.Status === 'ERROR').length, SERVERS - NODES);

    for (const s of settled) assert.equal((await lab.nova('DELETE', `/servers/${s.id}`)).status, 204);
    for (const s of settled) assert.equal(await lab.settle(s.id), undefined);
    assert.deepEqual((await lab.ironic('GET', '/v1/allocations')).body.allocations, []);
    const left = (await lab.ironic('GET', '/v1/nodes/detail')).body.nodes.filter(
      (n: Json) => n.instance_uuid !== null,
    );
    assert.deepEqual(left, []);
  });
});
