// Port groups through the real `openstack baremetal port group` CLI: create/list/show/set/unset/delete, ports
// joining a group (port create --port-group, port set --port-group, port list --port-group), and the
// refusals: a duplicate name or MAC, a group on another node, mixed physical networks, deleting a group
// that still has ports, and every one of them changing nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baremetalCli } from '../support/baremetal-cli.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read freely
type J = any;

describe('openstack baremetal port group against the seed', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  const { os, ok } = baremetalCli(() => seed.cliEnv, 120_000);
  const json = async (...args: string[]): Promise<J> => (await ok(...args, '-f', 'json')).json();

  before(async () => {
    seed = await startTestSeed({ services: ['baremetal'] });
  });
  after(() => seed?.stop());

  test('port groups and their ports, with the refusals', async () => {
    const n1: J = await json('baremetal', 'node', 'create', '--driver', 'fake-hardware', '--name', 'pg-n1');
    const n2: J = await json('baremetal', 'node', 'create', '--driver', 'fake-hardware', '--name', 'pg-n2');
    const bond: J = await json(
      'baremetal',
      'port',
      'group',
      'create',
      '--node',
      n1.uuid,
      '--name',
      'bond0',
      '--address',
      '52:54:00:AA:00:01',
      '--mode',
      '802.3ad',
      '--property',
      'miimon=100',
      '--extra',
      'rack=r1',
      '--unsupport-standalone-ports',
    );
    assert.equal(bond.address, '52:54:00:aa:00:01');
    assert.equal(bond.mode, '802.3ad');
    assert.deepEqual(bond.properties, { miimon: 100 }); // the client sends key=value values as JSON when they parse
    assert.equal(bond.standalone_ports_supported, false);
    assert.equal(bond.node_uuid, n1.uuid);
    // Without a MAC, the default mode and standalone ports.
    const plain: J = await json('baremetal', 'port', 'group', 'create', '--node', n1.uuid);
    assert.equal(plain.address, null);
    assert.equal(plain.mode, 'active-backup');
    assert.equal(plain.standalone_ports_supported, true);

    // Refusals: same name, same MAC, unknown node.
    const dupName = await os('baremetal', 'port', 'group', 'create', '--node', n1.uuid, '--name', 'bond0');
    assert.notEqual(dupName.code, 0);
    assert.match(dupName.stderr, /port group with name bond0 already exists.*HTTP 409/);
    const dupMac = await os(
      'baremetal',
      'port',
      'group',
      'create',
      '--node',
      n2.uuid,
      '--address',
      '52:54:00:aa:00:01',
    );
    assert.match(dupMac.stderr, /MAC address 52:54:00:aa:00:01 already exists.*HTTP 409/);
    const noNode = await os(
      'baremetal',
      'port',
      'group',
      'create',
      '--node',
      '6a1c3b8e-0d4b-4f57-9d1c-1a2b3c4d5e6f',
    );
    assert.match(noNode.stderr, /could not be found.*HTTP 400/);

    const list: J[] = await json('baremetal', 'port', 'group', 'list', '--node', 'pg-n1');
    assert.deepEqual(list.map((g) => g.Name).sort(), [null, 'bond0'].sort());
    const long: J[] = await json('baremetal', 'port', 'group', 'list', '--long');
    assert.equal(long.find((g) => g.Name === 'bond0').Mode, '802.3ad');
    assert.equal((await json('baremetal', 'port', 'group', 'show', 'bond0')).uuid, bond.uuid);

    await ok('baremetal', 'port', 'group', 'set', 'bond0', '--mode', 'balance-rr', '--extra', 'rack=r2');
    await ok('baremetal', 'port', 'group', 'unset', 'bond0', '--property', 'miimon');
    const set: J = await json('baremetal', 'port', 'group', 'show', bond.uuid);
    assert.equal(set.mode, 'balance-rr');
    assert.deepEqual(set.extra, { rack: 'r2' });
    assert.deepEqual(set.properties, {});

    // Ports join the group; the group must be on the port's node; one physical network per group.
    const p1: J = await json(
      'baremetal',
      'port',
      'create',
      '52:54:00:aa:01:01',
      '--node',
      n1.uuid,
      '--port-group',
      bond.uuid,
      '--physical-network',
      'physnet1',
    );
    assert.equal(p1.portgroup_uuid, bond.uuid);
    const mixed = await os(
      'baremetal',
      'port',
      'create',
      '52:54:00:aa:01:02',
      '--node',
      n1.uuid,
      '--port-group',
      bond.uuid,
      '--physical-network',
      'physnet2',
    );
    assert.match(mixed.stderr, /physical network.*HTTP 409/);
    const otherNode = await os(
      'baremetal',
      'port',
      'create',
      '52:54:00:aa:02:01',
      '--node',
      n2.uuid,
      '--port-group',
      bond.uuid,
    );
    assert.match(otherNode.stderr, /belongs to node.*HTTP 400/);
    const p2: J = await json(
      'baremetal',
      'port',
      'create',
      '52:54:00:aa:01:03',
      '--node',
      n1.uuid,
      '--physical-network',
      'physnet1',
    );
    await ok('baremetal', 'port', 'set', p2.uuid, '--port-group', bond.uuid);
    const members: J[] = await json('baremetal', 'port', 'list', '--port-group', 'bond0');
    assert.deepEqual(members.map((p) => p.Address).sort(), ['52:54:00:aa:01:01', '52:54:00:aa:01:03']);
    assert.equal((await json('baremetal', 'port', 'show', p2.uuid)).portgroup_uuid, bond.uuid);
    // Nothing half-done by the refusals: two ports only.
    assert.equal((await json('baremetal', 'port', 'list', '--node', n1.uuid)).length, 2);

    // A group with ports is not deleted; emptied, it is.
    const busy = await os('baremetal', 'port', 'group', 'delete', 'bond0');
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /not empty/);
    await ok('baremetal', 'port', 'unset', p1.uuid, '--port-group');
    await ok('baremetal', 'port', 'delete', p2.uuid);
    await ok('baremetal', 'port', 'group', 'delete', 'bond0');
    const gone = await os('baremetal', 'port', 'group', 'show', 'bond0');
    assert.match(gone.stderr, /could not be found.*HTTP 404/);
    assert.equal((await json('baremetal', 'port', 'show', p1.uuid)).portgroup_uuid, null);

    // Deleting a node takes its groups with it.
    await ok('baremetal', 'node', 'delete', n1.uuid);
    assert.equal((await json('baremetal', 'port', 'group', 'list')).length, 0);
  });
});
