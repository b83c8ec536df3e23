// The in-process client the compute and bare-metal services use: ports with binding and PXE options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkClient } from '../../src/network/client.ts';
import { networkService } from '../../src/network/index.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { startServiceApp } from '../support/service-app.ts';
import { networkWithSubnet } from './helpers.ts';

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
