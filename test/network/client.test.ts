// The in-process client the compute and bare-metal services use: ports with binding and PXE options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkClient } from '../../src/network/client.ts';
import { networkService } from '../../src/network/index.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { startServiceApp } from '../support/service-app.ts';
import { call, networkWithSubnet } from './helpers.ts';

test('client: create, update (options merge), list by device, delete', async () => {
  const svc = await startServiceApp(networkService);
  const ctx = { log: silentLogger(), signal: new AbortController().signal };
  try {
    const client = svc.running.client as NetworkClient;
    const { networkId, subnetId } = await networkWithSubnet(svc, { cidr: '192.0.2.0/24' });
    assert.equal((await client.findNetworks(ctx, { name: 'net' })).length, 1);
    const p = await client.createPort(ctx, {
      network_id: networkId,
      project_id: 'project-a',
      mac_address: '52:54:00:AA:BB:CC',
      device_id: 'node-uuid',
      device_owner: 'baremetal:none',
      'binding:host_id': 'node-uuid',
      'binding:vnic_type': 'baremetal',
      extra_dhcp_opts: [
        { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
        { opt_name: 'tftp-server', opt_value: '192.0.2.1' },
      ],
    });
    assert.equal(p.mac_address, '52:54:00:aa:bb:cc');
    assert.equal(p['binding:vnic_type'], 'baremetal');
    assert.deepEqual(p.fixed_ips, [{ subnet_id: subnetId, ip_address: '192.0.2.2' }]);
    const u = await client.updatePort(ctx, String(p.id), {
      extra_dhcp_opts: [
        { opt_name: 'tftp-server', opt_value: null },
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://192.0.2.1/boot.ipxe' },
      ],
    });
    assert.deepEqual((u.extra_dhcp_opts as { opt_name: string }[]).map((o) => o.opt_name).sort(), [
      'tag:!ipxe,bootfile-name',
      'tag:ipxe,bootfile-name',
    ]);
    assert.deepEqual(
      (await client.listPorts(ctx, { device_id: 'node-uuid' })).map((x) => x.id),
      [p.id],
    );
    await client.deletePort(ctx, String(p.id));
    await assert.rejects(
      client.getPort(ctx, String(p.id)),
      (e: { type?: string }) => e.type === 'PortNotFound',
    );
  } finally {
    await svc.close();
  }
});

test('client: port creates are validated like the API, and lookups narrow by device, network and MAC', async () => {
  const svc = await startServiceApp(networkService);
  const ctx = { log: silentLogger(), signal: new AbortController().signal };
  try {
    const client = svc.running.client as NetworkClient;
    const { networkId } = await networkWithSubnet(svc, { cidr: '192.0.2.0/24' });
    const other = await networkWithSubnet(svc, { cidr: '198.51.100.0/24' }, { name: 'other' });
    // Each bad body gets the same NeutronError type from the client as from POST /v2.0/ports.
    const bad: Record<string, unknown>[] = [
      { 'binding:vnic_type': 'warp-drive' },
      { extra_dhcp_opts: [{ opt_name: 'bootfile-name' }] },
      { port_security_enabled: false, security_groups: ['x'] },
      { fixed_ips: [{ subnet_id: 'a', colour: 'blue' }] },
      { mac_address: 'not-a-mac' },
      { name: 'n'.repeat(256) },
    ];
    for (const extra of bad) {
      const api = await call(svc, 'admin', 'POST', '/v2.0/ports', {
        port: { network_id: networkId, ...extra },
      });
      assert.ok(api.status >= 400, JSON.stringify(extra));
      await assert.rejects(
        client.createPort(ctx, { network_id: networkId, project_id: 'p', ...extra } as never),
        (e: { type?: string }) => e.type === api.body.NeutronError.type,
        JSON.stringify(extra),
      );
    }
    const a = await client.createPort(ctx, { network_id: networkId, project_id: 'p', device_id: 'node-1' });
    const b = await client.createPort(ctx, {
      network_id: other.networkId,
      project_id: 'p',
      device_id: 'node-1',
    });
    await client.createPort(ctx, { network_id: networkId, project_id: 'p', device_id: 'node-2' });
    const ids = async (f: Parameters<NetworkClient['listPorts']>[1]) =>
      (await client.listPorts(ctx, f)).map((p) => p.id).sort();
    assert.deepEqual(await ids({ device_id: 'node-1' }), [a.id, b.id].sort());
    assert.deepEqual(await ids({ device_id: 'node-1', network_id: other.networkId }), [b.id]);
    assert.deepEqual(await ids({ mac_address: String(b.mac_address).toUpperCase() }), [b.id]);
    assert.deepEqual(await ids({ device_id: 'nobody' }), []);
    assert.deepEqual(
      (await client.findNetworks(ctx, { name: 'other' })).map((n) => n.id),
      [other.networkId],
    );
  } finally {
    await svc.close();
  }
});
