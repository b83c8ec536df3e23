// Servers on sim bare metal nodes through the real `openstack` CLI: create with image, flavor, key,
// user data, config drive and properties (--wait), show with addresses, list, event list, reboot, stop,
// start, rebuild (--preserve-ephemeral), console log (refused as Nova's ironic driver refuses it), delete
// --wait (the node cleaned back to available, the port and the allocation gone); a node whose deploy fails
// (its disk is smaller than the image) sends the server to the next node; bad input leaves nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BaremetalServiceClient } from '../../src/baremetal/client.ts';
import { baremetalService } from '../../src/baremetal/index.ts';
import { parseSettings } from '../../src/compute/model/settings.ts';
import { QuotaStore } from '../../src/compute/store/quotas.ts';
import { ServerStore } from '../../src/compute/store/servers.ts';
import { ServerWorker } from '../../src/compute/worker/server-worker.ts';
import type { NetworkClient } from '../../src/network/client.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { fixedToken } from '../../src/platform/service-auth.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { type Json, type ServerLab, startServerLab } from './servers-sim.ts';

const noXorriso = existsSync('/usr/bin/xorriso') ? undefined : 'no xorriso (Debian package xorriso)';

describe('servers on sim nodes through the openstack CLI', { skip: cliUnavailable() ?? noXorriso }, () => {
  let lab: ServerLab;
  let dir: string;
  let image: Json;
  let nodes: Json[];

  before(async () => {
    lab = await startServerLab();
    dir = mkdtempSync(join(tmpdir(), 'ooo-servers-cli-'));
    image = await lab.image(dir, 'img-a', 2);
    nodes = await lab.simNodes(['bm-0', 'bm-1'], 0x0100);
  });
  let successor: ServerWorker | undefined;
  after(async () => {
    await successor?.stop();
    await lab?.seed.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const leftovers = async () => {
    const ports = (await lab.neutron('/v2.0/ports')).ports.filter((p: Json) =>
      String(p.device_owner).startsWith('compute:'),
    );
    const allocations = (await lab.ironic('GET', '/v1/allocations')).body.allocations;
    return { ports: ports.map((p: Json) => p.id), allocations: allocations.map((a: Json) => a.uuid) };
  };

  test('create --wait, show, list, events, reboot, stop, start, rebuild, console log, delete --wait', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    await lab.ok('keypair', 'create', '--public-key', join(dir, 'id.pub'), 'k1', '-f', 'json');
    writeFileSync(join(dir, 'ud.sh'), '#!/bin/sh\necho hello > /tmp/marker\n');
    const created = await lab.ok(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'baremetal',
      '--key-name',
      'k1',
      '--user-data',
      join(dir, 'ud.sh'),
      '--config-drive',
      'true',
      '--property',
      'role=web',
      '--wait',
      's1',
      '-f',
      'json',
    );
    assert.equal(created.status, 'ACTIVE', JSON.stringify(created));
    const shown = await lab.ok('server', 'show', 's1', '-f', 'json');
    assert.equal(shown.status, 'ACTIVE');
    assert.equal(shown.key_name, 'k1');
    assert.match(JSON.stringify(shown.addresses), /ctlplane.*192\.168\.24\.\d+/);
    assert.match(JSON.stringify(shown.properties), /role.*web/);
    assert.equal(String(shown.config_drive), 'True');
    const node = shown['OS-EXT-SRV-ATTR:hypervisor_hostname'];
    const onNode = (await lab.ironic('GET', `/v1/nodes/${node}`)).body;
    assert.equal(onNode.instance_uuid, shown.id);
    assert.equal(onNode.provision_state, 'active');
    assert.equal(onNode.instance_info.image_source, image.id);
    assert.equal(onNode.instance_info.configdrive, '******', 'a config drive was handed over (masked)');
    // The port: on the provisioning network, bound to the node with its MAC, as a bare metal VNIC.
    const ports = (await lab.neutron(`/v2.0/ports?device_id=${shown.id}`)).ports;
    assert.equal(ports.length, 1);
    const mac = nodes.find((n) => n.uuid === node).mac;
    assert.equal(ports[0].mac_address, mac);
    assert.equal(ports[0]['binding:vnic_type'], 'baremetal');
    assert.equal(ports[0]['binding:host_id'], node);
    // The metadata service answers the instance by its fixed IP (here through X-Forwarded-For).
    const ip = ports[0].fixed_ips[0].ip_address;
    const md = async (path: string, from?: string) => {
      const res = await fetch(`${lab.seed.urls['compute-metadata']}${path}`, {
        headers: from ? { 'x-forwarded-for': from } : {},
      });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const meta = await md('/openstack/latest/meta_data.json', ip);
    assert.equal(meta.status, 200);
    assert.match(String(meta.type), /application\/json/);
    const doc = JSON.parse(meta.text);
    assert.equal(doc.uuid, shown.id);
    assert.deepEqual(doc.meta, { role: 'web' });
    assert.match(doc.public_keys.k1, /^ssh-ed25519 /);
    assert.equal((await md('/latest/user-data', ip)).text, '#!/bin/sh\necho hello > /tmp/marker\n');
    assert.equal((await md('/2009-04-04/meta-data/local-ipv4', ip)).text, ip);
    assert.match((await md('/2009-04-04/meta-data/instance-id', ip)).text, /^i-[0-9a-f]{8}$/);
    const netData = JSON.parse((await md('/openstack/latest/network_data.json', ip)).text);
    assert.equal(netData.links[0].ethernet_mac_address, mac);
    assert.equal(
      (await md('/openstack/latest/meta_data.json', '192.168.24.250')).status,
      404,
      'no such instance',
    );
    const listed = await lab.ok('server', 'list', '-f', 'json');
    assert.deepEqual(
      listed.map((s: Json) => [s.Name, s.Status]),
      [['s1', 'ACTIVE']],
    );

    const usage = (await lab.nova('GET', `/os-quota-sets/${shown.project_id}/detail`)).body.quota_set;
    assert.deepEqual([usage.instances.in_use, usage.cores.in_use, usage.ram.in_use], [1, 1, 1024]);

    await lab.ok('server', 'reboot', '--hard', '--wait', 's1');
    await lab.ok('server', 'reboot', '--soft', '--wait', 's1');
    await lab.ok('server', 'stop', 's1');
    const stopped = await lab.settle(shown.id);
    assert.equal(stopped.status, 'SHUTOFF');
    assert.equal(stopped['OS-EXT-STS:power_state'], 4);
    assert.equal((await lab.ironic('GET', `/v1/nodes/${node}`)).body.power_state, 'power off');
    await lab.ok('server', 'start', 's1');
    assert.equal((await lab.settle(shown.id)).status, 'ACTIVE');

    const imageB = await lab.image(dir, 'img-b', 1);
    // --wait prints "Complete" before the body: read the result from the API.
    await lab.ok('server', 'rebuild', '--image', 'img-b', '--preserve-ephemeral', '--wait', 's1');
    const rebuilt = (await lab.nova('GET', `/servers/${shown.id}`)).body.server;
    assert.equal(rebuilt.status, 'ACTIVE');
    assert.equal(rebuilt.image.id, imageB.id);
    const after = (await lab.ironic('GET', `/v1/nodes/${node}`)).body;
    assert.equal(after.instance_info.image_source, imageB.id);
    assert.equal(after.instance_info.preserve_ephemeral, true);
    assert.equal(after.provision_state, 'active');

    const console = await lab.os('console', 'log', 'show', 's1');
    assert.notEqual(console.code, 0);
    assert.match(console.stderr, /501.*Unable to get console log, functionality not implemented/s);

    const events = await lab.ok('server', 'event', 'list', 's1', '-f', 'json');
    assert.deepEqual(events.map((e: Json) => e.Action).sort(), [
      'create',
      'reboot',
      'reboot',
      'rebuild',
      'start',
      'stop',
    ]);
    const createReq = events.find((e: Json) => e.Action === 'create')['Request ID'];
    const ev = (await lab.nova('GET', `/servers/${shown.id}/os-instance-actions/${createReq}`)).body
      .instanceAction;
    assert.deepEqual(
      ev.events.map((e: Json) => [e.event, e.result]),
      [
        ['conductor_schedule_and_build_instances', 'Success'],
        ['compute__do_build_and_run_instance', 'Success'],
      ],
    );

    await lab.ok('server', 'delete', '--wait', 's1');
    assert.equal((await lab.nova('GET', `/servers/${shown.id}`)).status, 404);
    const freed = (await lab.ironic('GET', `/v1/nodes/${node}`)).body;
    assert.equal(freed.instance_uuid, null);
    assert.ok(['cleaning', 'clean wait', 'available'].includes(freed.provision_state), freed.provision_state);
    assert.deepEqual(await leftovers(), { ports: [], allocations: [] });
    await lab.ok('baremetal', 'node', 'show', node, '-f', 'json');
    // The node comes back to the pool once cleaned.
    for (;;) {
      const n = (await lab.ironic('GET', `/v1/nodes/${node}`)).body;
      if (n.provision_state === 'available') break;
      assert.ok(['cleaning', 'clean wait'].includes(n.provision_state), n.provision_state);
      await new Promise((r) => setTimeout(r, 200));
    }
    const quota = (await lab.nova('GET', `/os-quota-sets/${shown.project_id}/detail`)).body.quota_set;
    assert.equal(quota.instances.in_use, 0);
  });

  test('a worker stopped mid-build leaves the server BUILD; the next worker resumes it to ACTIVE', async () => {
    const seed = lab.seed.seed;
    const served = (name: string) => seed.services.find((x) => x.name === name)!.running;
    const flavor = (await lab.ok('flavor', 'show', 'baremetal', '-f', 'json')).id;
    const r = await lab.nova(
      'POST',
      '/servers',
      { server: { name: 'resumed', imageRef: image.id, flavorRef: flavor } },
      '2.1',
    );
    assert.equal(r.status, 202);
    const id = r.body.server.id;
    for (;;) {
      const s = (await lab.nova('GET', `/servers/${id}`)).body.server;
      if (s['OS-EXT-STS:task_state'] !== 'scheduling') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    // The compute process's worker goes away mid-build (its passes aborted, its leases released).
    await served('compute').stop?.();
    const left = (await lab.nova('GET', `/servers/${id}`)).body.server;
    assert.equal(left.status, 'BUILD', 'nothing finishes the build without a worker');
    // Another worker (as another process would run) over the same database resumes from the rows.
    const admin = fixedToken(lab.admin);
    successor = new ServerWorker(seed.db, new Leases(seed.db), {
      servers: new ServerStore(seed.db, new QuotaStore(seed.db)),
      settings: parseSettings({ pollMs: 100 }, 'successor'),
      baremetal: () => (served('baremetal').client as BaremetalServiceClient).connect(admin),
      network: () => served('network').client as NetworkClient,
    });
    await successor.start(seed.ctx);
    const done = await lab.settle(id);
    assert.equal(done.status, 'ACTIVE', JSON.stringify(done.fault));
    assert.deepEqual((await leftovers()).allocations, [id], 'one claim, adopted or made once');
    assert.equal((await lab.neutron(`/v2.0/ports?device_id=${id}`)).ports.length, 1, 'one port');
    await lab.ok('server', 'delete', '--wait', 'resumed');
    assert.deepEqual(await leftovers(), { ports: [], allocations: [] });
    for (;;) {
      const all = (await lab.ironic('GET', '/v1/nodes/detail')).body.nodes;
      if (all.every((n: Json) => n.provision_state === 'available')) break;
      await new Promise((res) => setTimeout(res, 200));
    }
  });

  test('a node whose deploy fails: the server is rebuilt on the next node', async () => {
    // bm-0 was enrolled first, so it is tried first; a 1 MiB disk cannot take the 2 MiB image.
    await lab.ok('baremetal', 'node', 'set', 'bm-0', '--property', 'local_gb=0.001');
    const s = await lab.ok(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'baremetal',
      '--wait',
      's2',
      '-f',
      'json',
    );
    assert.equal(s.status, 'ACTIVE');
    const shown = (await lab.nova('GET', `/servers/${s.id}`)).body.server;
    assert.equal(shown['OS-EXT-SRV-ATTR:hypervisor_hostname'], nodes[1].uuid, 'landed on bm-1');
    const history = (await lab.ironic('GET', `/v1/nodes/${nodes[0].uuid}/history`)).body.history;
    const said = history.map((h: Json) => String(h.event));
    assert.ok(
      said.some((e: string) => /-> deploy failed/.test(e)),
      said.join('\n'),
    );
    const actions = (await lab.nova('GET', `/servers/${s.id}/os-instance-actions`)).body.instanceActions;
    const create = (await lab.nova('GET', `/servers/${s.id}/os-instance-actions/${actions[0].request_id}`))
      .body.instanceAction;
    assert.deepEqual(
      create.events.map((e: Json) => [e.event, e.result]),
      [
        ['conductor_schedule_and_build_instances', 'Success'],
        ['compute__do_build_and_run_instance', 'Error'],
        ['compute__do_build_and_run_instance', 'Success'],
      ],
    );
    assert.match(String(create.events[1].traceback), /does not fit/);
    await lab.ok('server', 'delete', '--wait', 's2');
    assert.deepEqual(await leftovers(), { ports: [], allocations: [] });
  });

  test('the remote BaremetalClient reads and claims as the API answers, with Ironic faults as errors', async () => {
    const ctx = { log: silentLogger(), signal: AbortSignal.timeout(60_000) };
    const remote = baremetalService.remote!(
      { url: lab.seed.urls.baremetal ?? '', settings: {} },
      { service: 'test', ctx, auth: fixedToken(lab.admin) },
    ).connect(fixedToken(lab.admin));
    const node = await remote.getNode(ctx, nodes[1].uuid);
    assert.equal(node?.name, 'bm-1');
    assert.equal(await remote.getNode(ctx, '00000000-0000-4000-8000-000000000000'), undefined);
    const listed = await remote.listNodes(ctx, { maintenance: false });
    assert.deepEqual(listed.map((n) => n.name).sort(), ['bm-0', 'bm-1']);
    assert.deepEqual(
      (await remote.nodePorts(ctx, nodes[1].uuid)).map((p) => p.address),
      [nodes[1].mac],
    );
    let taken = await remote.createAllocation(ctx, { resource_class: 'no-such-class' });
    // The bare metal service answers `allocating` and decides in the background, as Ironic does.
    while (taken.state === 'allocating') {
      await new Promise((r) => setTimeout(r, 50));
      const next = await remote.getAllocation(ctx, taken.uuid);
      assert.ok(next, 'the allocation vanished');
      taken = next;
    }
    assert.equal(taken.state, 'error');
    assert.match(String(taken.last_error), /No available nodes match the resource class no-such-class/);
    assert.equal(await remote.deleteAllocation(ctx, taken.uuid), true);
    assert.equal(await remote.deleteAllocation(ctx, taken.uuid), false);
    await assert.rejects(remote.setProvisionState(ctx, nodes[1].uuid, 'rebuild'), (e: Error) =>
      /rebuild/.test(e.message),
    );
  });

  test("bad input: Nova's errors, and nothing allocated is left behind", async () => {
    const body = (extra: Record<string, unknown>) => ({
      server: { name: 'bad', imageRef: image.id, flavorRef: 'baremetal', ...extra },
    });
    const flavorId = (await lab.ok('flavor', 'show', 'baremetal', '-f', 'json')).id;
    const expect400 = async (extra: Record<string, unknown>, message: RegExp) => {
      const r = await lab.nova(
        'POST',
        '/servers',
        { server: { ...body(extra).server, flavorRef: extra.flavorRef ?? flavorId } },
        '2.1',
      );
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.badRequest.message, message);
    };
    await expect400(
      { imageRef: '11111111-2222-4333-8444-555555555555' },
      /Image 11111111-.* could not be found/,
    );
    await expect400({ flavorRef: 'no-such-flavor' }, /Flavor no-such-flavor could not be found/);
    await expect400(
      { networks: [{ uuid: '11111111-2222-4333-8444-555555555555' }] },
      /Network 11111111-.* could not be found/,
    );
    await expect400({ key_name: 'nope' }, /Invalid key_name provided/);
    await expect400({ user_data: '%%%not base64' }, /User data needs to be valid base 64/);
    await expect400({ availability_zone: 'elsewhere' }, /availability zone is not available/);
    // Through the CLI too: an unknown key pair reaches Nova, whose 400 the CLI prints.
    const cli = await lab.os(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'baremetal',
      '--key-name',
      'nope',
      'bad',
    );
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /Invalid key_name provided.*HTTP 400/s);

    // Over quota: 403, nothing created.
    await lab.ok('quota', 'set', '--instances', '0', 'admin');
    const over = await lab.os('server', 'create', '--image', 'img-a', '--flavor', 'baremetal', 'bad');
    assert.notEqual(over.code, 0);
    assert.match(over.stderr, /Quota exceeded for instances.*HTTP 403/s);
    await lab.ok('quota', 'set', '--instances', '100', 'admin');

    // No node matches the flavor: ERROR with "No valid host" in the fault.
    await lab.ok(
      'flavor',
      'create',
      '--ram',
      '1024',
      '--vcpus',
      '1',
      '--disk',
      '1',
      '--property',
      'resources:CUSTOM_GOLD=1',
      'gold',
    );
    const gold = await lab.os(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'gold',
      '--wait',
      'nohost',
      '-f',
      'json',
    );
    // OSC 6.0 reports a build that ends in ERROR on its output (and exits through a bare SystemExit).
    assert.match(gold.stdout + gold.stderr, /Error creating server/);
    const failed = await lab.ok('server', 'show', 'nohost', '-f', 'json');
    assert.equal(failed.status, 'ERROR');
    assert.match(JSON.stringify(failed.fault), /No valid host was found/);
    assert.deepEqual(await leftovers(), { ports: [], allocations: [] });
    await lab.ok('server', 'delete', '--wait', 'nohost');
    const servers = await lab.ok('server', 'list', '-f', 'json');
    assert.deepEqual(servers, []);
  });

  test('server groups: members, and anti-affinity with every node behind one compute host', async () => {
    const g = await lab.ok('server', 'group', 'create', '--policy', 'anti-affinity', 'spread', '-f', 'json');
    const hint = `group=${g.id}`;
    await lab.ok(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'baremetal',
      '--hint',
      hint,
      '--wait',
      'g1',
    );
    const second = await lab.os(
      'server',
      'create',
      '--image',
      'img-a',
      '--flavor',
      'baremetal',
      '--hint',
      hint,
      '--wait',
      'g2',
    );
    assert.match(second.stdout + second.stderr, /Error creating server/);
    const g2 = await lab.ok('server', 'show', 'g2', '-f', 'json');
    assert.match(JSON.stringify(g2.fault), /No valid host was found\. .*anti-affinity/);
    const shown = await lab.ok('server', 'group', 'show', 'spread', '-f', 'json');
    const ids = [(await lab.ok('server', 'show', 'g1', '-f', 'json')).id, g2.id].sort();
    const members = Array.isArray(shown.members) ? shown.members : String(shown.members).split(/[,\s]+/);
    assert.deepEqual(members.filter(Boolean).sort(), ids);
    await lab.ok('server', 'delete', '--wait', 'g1', 'g2');
    assert.deepEqual(await leftovers(), { ports: [], allocations: [] });
  });
});
