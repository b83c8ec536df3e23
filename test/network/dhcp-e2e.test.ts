// Real DHCP: the service's dnsmasq in one network namespace, busybox udhcpc with a port's MAC in another.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { networkService } from '../../src/network/index.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { call } from './helpers.ts';
import { createLab, type Lab, netnsUnavailable, udhcpc, writeUdhcpcScript } from './netns.ts';

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
    writeUdhcpcScript(work);
    svc = await startServiceApp(networkService, {
      settings: {
        network_vlan_ranges: 'provisioning:100:200',
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

  const dhcp = (extra: string[] = [], tries = 4) => udhcpc(lab, work, extra, tries);

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
    const agents = await call(svc, 'admin', 'GET', '/v2.0/agents');
    assert.equal(agents.body.agents.length, 1);
    assert.equal(agents.body.agents[0].alive, true);
    assert.equal(agents.body.agents[0].configurations.interface, lab.serverIf);
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

  test('a changed boot option is served on the next request by the same dnsmasq', async () => {
    const pid = (await status())?.pid;
    const u = await call(svc, 'admin', 'PUT', `/v2.0/ports/${portId}`, {
      port: { extra_dhcp_opts: [{ opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'pxelinux.0' }] },
    });
    assert.equal(u.status, 200);
    const optsFile = join(svc.stateDir, 'dhcp', networkId, 'opts');
    await until('the options file to change', () => readFileSync(optsFile, 'utf8').includes('pxelinux.0'));
    const lease = await dhcp();
    assert.equal(lease?.bootfile, 'pxelinux.0');
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

  test('disabling DHCP on the subnet stops dnsmasq and clears the status', async () => {
    const pid = (await status())?.pid;
    assert.ok(pid);
    const u = await call(svc, 'admin', 'PUT', `/v2.0/subnets/${subnetId}`, {
      subnet: { enable_dhcp: false },
    });
    assert.equal(u.status, 200);
    await until('the agent to retire the network', async () => (await status()) === undefined);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'dnsmasq still running');
    assert.equal(await dhcp([], 2), undefined);
  });

  test('deleting a network stops its dnsmasq at once, not at the next resync', async () => {
    const u = await call(svc, 'admin', 'PUT', `/v2.0/subnets/${subnetId}`, { subnet: { enable_dhcp: true } });
    assert.equal(u.status, 200);
    // The port goes first (a network with ports in use is not deleted); its dnsmasq is restarted without it.
    assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/ports/${portId}`)).status, 204);
    await until('dnsmasq without the port', async () => {
      const s = await status();
      return s?.state === 'running' && !hostsHave(MAC);
    });
    const dir = join(svc.stateDir, 'dhcp', networkId);
    const servesIt = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`);
          } catch {
            return false;
          }
        });
    assert.ok(servesIt());
    assert.equal((await call(svc, 'admin', 'DELETE', `/v2.0/networks/${networkId}`)).status, 204);
    // resync_ms is 60 s: only the delete's notice can end it within the wait.
    await until('its dnsmasq to end and its files to go', () => !servesIt() && !existsSync(dir));
  });

  test('a VLAN network is served on its sub-interface of the mapped interface', async (t) => {
    const why = lab.vlanUnavailable();
    if (why) return t.skip(why);
    const vmac = '52:54:00:0d:4c:77';
    const vlan = lab.addVlan(100, '198.51.100.1/24', vmac);
    const n = await call(svc, 'admin', 'POST', '/v2.0/networks', {
      network: {
        name: 'vlan100',
        'provider:network_type': 'vlan',
        'provider:physical_network': 'provisioning',
        'provider:segmentation_id': 100,
      },
    });
    assert.equal(n.status, 201);
    const s = await call(svc, 'admin', 'POST', '/v2.0/subnets', {
      subnet: { network_id: n.body.network.id, ip_version: 4, cidr: '198.51.100.0/24' },
    });
    assert.equal(s.status, 201);
    const p = await call(svc, 'admin', 'POST', '/v2.0/ports', {
      port: {
        network_id: n.body.network.id,
        mac_address: vmac,
        fixed_ips: [{ ip_address: '198.51.100.50' }],
      },
    });
    assert.equal(p.status, 201);
    await until('dnsmasq on the VLAN', async () => {
      const r = await call(svc, 'admin', 'GET', `/v2.0/networks/${n.body.network.id}/dhcp-agents`);
      const c = r.body.agents[0]?.configurations;
      return c?.state === 'running' && c.interface === vlan.serverIf;
    });
    const lease = await udhcpc(lab, work, [], 4, vlan.clientIf);
    assert.equal(lease?.ip, '198.51.100.50');
    assert.equal(lease?.router, '198.51.100.1');
  });
});
