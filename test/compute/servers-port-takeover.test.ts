// A network-booted node keeps one port per MAC on the provisioning network (the bare metal service's,
// device_owner baremetal:none, device_id the node: docs/baremetal.md). A server on that network takes that
// port over instead of making a second one for the same MAC (Neutron refuses a MAC twice on a network, and
// dnsmasq would get two host lines): its fixed IP is the node's address, and on delete the port goes back to
// the bare metal service with the same address. A port of the MAC owned by anyone else is not taken.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { type Json, type ServerLab, startServerLab } from './servers-sim.ts';

describe("a server takes over the node's own port on its network", { skip: cliUnavailable() }, () => {
  let lab: ServerLab;
  let dir: string;
  let nodes: Json[];

  before(async () => {
    lab = await startServerLab();
    dir = mkdtempSync(join(tmpdir(), 'ooo-port-takeover-'));
    await lab.image(dir, 'img-pt', 1);
    nodes = await lab.simNodes(['pt-0'], 0x0500);
  });
  after(async () => {
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('one port for the MAC: the server gets the node address and gives it back on delete', async () => {
    const node = nodes[0] as Json;
    const held = await lab.ok(
      'port',
      'create',
      '--network',
      'ctlplane',
      '--mac-address',
      node.mac,
      '--device',
      node.uuid,
      '--device-owner',
      'baremetal:none',
      `baremetal-pt-0`,
      '-f',
      'json',
    );
    const nodeIp = held.fixed_ips[0].ip_address;
    const server = await lab.ok(
      'server',
      'create',
      '--image',
      'img-pt',
      '--flavor',
      'baremetal',
      '--wait',
      'pt',
      '-f',
      'json',
    );
    const shown = await lab.ok('server', 'show', server.id, '-f', 'json');
    assert.equal(shown.status, 'ACTIVE', JSON.stringify(shown.fault));
    assert.deepEqual(Object.values(shown.addresses).flat(), [nodeIp]);
    const forMac = await lab.ok('port', 'list', '--mac-address', node.mac, '-f', 'json');
    assert.deepEqual(
      forMac.map((p: Json) => p.ID),
      [held.id],
    );
    const taken = await lab.ok('port', 'show', held.id, '-f', 'json');
    assert.equal(taken.device_id, server.id);
    assert.equal(taken.device_owner, 'compute:nova');
    assert.equal(taken.binding_host_id, node.uuid);

    await lab.ok('server', 'delete', '--wait', server.id);
    const back = await lab.ok('port', 'show', held.id, '-f', 'json');
    assert.equal(back.device_id, node.uuid);
    assert.equal(back.device_owner, 'baremetal:none');
    assert.equal(back.fixed_ips[0].ip_address, nodeIp);
  });

  test("a port of the node's MAC owned by someone else is not taken: the build fails, nothing is left", async () => {
    const node = nodes[0] as Json;
    const ports = await lab.ok('port', 'list', '--mac-address', node.mac, '-f', 'json');
    for (const p of ports) await lab.ok('port', 'delete', p.ID);
    const other = await lab.ok(
      'port',
      'create',
      '--network',
      'ctlplane',
      '--mac-address',
      node.mac,
      'x',
      '-f',
      'json',
    );
    const r = await lab.os(
      'server',
      'create',
      '--image',
      'img-pt',
      '--flavor',
      'baremetal',
      '--wait',
      'pt2',
      '-f',
      'json',
    );
    // OSC prints the failure of --wait and exits 0 (a bare SystemExit)
    assert.match(r.stdout + r.stderr, /Error creating server/);
    const list = await lab.ok('server', 'list', '--name', 'pt2', '-f', 'json');
    const failed = await lab.ok('server', 'show', list[0].ID, '-f', 'json');
    assert.equal(failed.status, 'ERROR');
    assert.match(JSON.stringify(failed.fault), /mac address .* is in use/i);
    const still = await lab.ok('port', 'list', '--mac-address', node.mac, '-f', 'json');
    assert.deepEqual(
      still.map((p: Json) => p.ID),
      [other.id],
    );
    await lab.ok('server', 'delete', '--wait', list[0].ID);
  });
});
