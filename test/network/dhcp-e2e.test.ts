// Real DHCP: the service's dnsmasq in one network namespace, busybox udhcpc with a port's MAC in another.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { networkService } from '../../src/network/index.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { call } from './helpers.ts';
import { createLab, type Lab, netnsUnavailable } from './netns.ts';

const skip = netnsUnavailable();
const MAC = '52:54:00:0d:4c:01';

describe('DHCP end to end (dnsmasq in a namespace, udhcpc in another)', { skip }, () => {
  let lab: Lab;
  let svc: TestServiceApp;
  let work: string;
  let networkId: string;
  let subnetId: string;
  let portId: string;

  before(async () => {
    lab = createLab('192.0.2.1/24');
    work = mkdtempSync(join(tmpdir(), 'ooo-udhcpc-'));
    // udhcpc runs this for each event; the env of "bound" is the lease with every option it received.
    writeFileSync(join(work, 'script.sh'), `#!/bin/sh\nenv > ${work}/env.$1\n`);
    chmodSync(join(work, 'script.sh'), 0o755);
    svc = await startServiceApp(networkService, {
      settings: {
        dhcp: {
          physical_interface_mappings: { provisioning: lab.serverIf },
          command_prefix: ['ip', 'netns', 'exec', lab.serverNs],
          resync_ms: 60_000,
          restart_delay_ms: 100,
        },
      },
    });
    const n = await call(svc, 'admin', 'POST', '/v2.0/networks', {
      network: {
        name: 'ctlplane',
        'provider:network_type': 'flat',
        'provider:physical_network': 'provisioning',
      },
    });
    networkId = n.body.network.id;
    const s = await call(svc, 'admin', 'POST', '/v2.0/subnets', {
      subnet: {
        network_id: networkId,
        ip_version: 4,
        cidr: '192.0.2.0/24',
        gateway_ip: '192.0.2.1',
        allocation_pools: [{ start: '192.0.2.10', end: '192.0.2.100' }],
        dns_nameservers: ['192.0.2.53'],
        host_routes: [{ destination: '169.254.169.254/32', nexthop: '192.0.2.1' }],
      },
    });
    subnetId = s.body.subnet.id;
    const p = await call(svc, 'admin', 'POST', '/v2.0/ports', {
      port: {
        network_id: networkId,
        mac_address: MAC,
        fixed_ips: [{ subnet_id: subnetId, ip_address: '192.0.2.20' }],
        'binding:vnic_type': 'baremetal',
        extra_dhcp_opts: [
          { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://192.0.2.1:8088/boot.ipxe' },
          { opt_name: 'tftp-server', opt_value: '192.0.2.1' },
          { opt_name: 'server-ip-address', opt_value: '192.0.2.1' },
        ],
      },
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    portId = p.body.port.id;
    lab.setClientMac(MAC);
  });

  after(async () => {
    await svc?.close();
    lab?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const status = async () => {
    const r = await call(svc, 'admin', 'GET', `/v2.0/networks/${networkId}/dhcp-agents`);
    return r.body.agents[0]?.configurations as
      | { state: string; pid: number | null; restarts: number }
      | undefined;
  };
  // Waits for the agent (it works asynchronously); the assertions that follow decide pass or fail.
  const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await sleep(50);
    }
    assert.fail(`gave up waiting for ${what}`);
  };
  const hostsFile = () => join(svc.stateDir, 'dhcp', networkId, 'host');
  const hostsHave = (text: string) =>
    existsSync(hostsFile()) && readFileSync(hostsFile(), 'utf8').includes(text);

  /** One DHCP exchange; the env udhcpc handed its script on "bound", or undefined when no lease came. */
  const dhcp = (extra: string[] = [], tries = 4): Promise<Record<string, string> | undefined> => {
    rmSync(join(work, 'env.bound'), { force: true });
    const args = [
      'netns',
      'exec',
      lab.clientNs,
      'env',
      '-i',
      '/usr/bin/busybox',
      'udhcpc',
      '-i',
      lab.clientIf,
    ];
    args.push('-f', '-q', '-n', '-t', String(tries), '-T', '1', '-s', join(work, 'script.sh'));
    args.push('-O', 'staticroutes', '-O', 'tftp', '-O', 'bootfile', ...extra);
    return new Promise((resolve) => {
      execFile('ip', args, { timeout: 30_000 }, () => {
        const file = join(work, 'env.bound');
        if (!existsSync(file)) return resolve(undefined);
        const env: Record<string, string> = {};
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
        }
        resolve(env);
      });
    });
  };

  test("a port's MAC receives exactly its address, routes and PXE options", async () => {
    await until(
      'dnsmasq running with the port',
      async () => (await status())?.state === 'running' && hostsHave(MAC),
    );
    const lease = await dhcp();
    assert.ok(lease, 'no lease');
    assert.equal(lease.ip, '192.0.2.20');
    assert.equal(lease.mask, '24');
    assert.equal(lease.router, '192.0.2.1');
    assert.equal(lease.dns, '192.0.2.53');
    assert.equal(lease.staticroutes, '169.254.169.254/32 192.0.2.1 0.0.0.0/0 192.0.2.1');
    assert.equal(lease.bootfile, 'undionly.kpxe');
    assert.equal(lease.tftp, '192.0.2.1');
    assert.equal(lease.siaddr, '192.0.2.1');
  });

  test('iPXE (user class "iPXE") gets the second stage of the chain', async () => {
    const lease = await dhcp(['-x', '0x4d:69505845']);
    assert.ok(lease, 'no lease');
    assert.equal(lease.ip, '192.0.2.20');
    assert.equal(lease.bootfile, 'http://192.0.2.1:8088/boot.ipxe');
  });

  test('a changed port address is served on the next request by the same dnsmasq', async () => {
    const pid = (await status())?.pid;
    assert.ok(pid);
    const u = await call(svc, 'admin', 'PUT', `/v2.0/ports/${portId}`, {
      port: { fixed_ips: [{ subnet_id: subnetId, ip_address: '192.0.2.30' }] },
    });
    assert.equal(u.status, 200);
    await until('the hosts file to change', () => hostsHave('192.0.2.30'));
    const lease = await dhcp();
    assert.equal(lease?.ip, '192.0.2.30');
    assert.equal(lease?.bootfile, 'undionly.kpxe');
    assert.equal((await status())?.pid, pid, 'dnsmasq was restarted');
  });

  test('an unknown MAC gets nothing', async () => {
    lab.setClientMac('52:54:00:0d:4c:99');
    try {
      assert.equal(await dhcp([], 2), undefined);
    } finally {
      lab.setClientMac(MAC);
    }
  });

  test('a dnsmasq that dies is restarted and serves again', async () => {
    const before = await status();
    assert.ok(before?.pid);
    process.kill(before.pid, 'SIGKILL');
    await until('a new dnsmasq', async () => {
      const s = await status();
      return s?.state === 'running' && s.pid !== null && s.pid !== before.pid;
    });
    assert.equal((await status())?.restarts, before.restarts + 1);
    const lease = await dhcp();
    assert.equal(lease?.ip, '192.0.2.30');
  });
});
