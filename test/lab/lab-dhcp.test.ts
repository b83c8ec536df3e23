// The lab's provisioning network carries our DHCP: the network service's dnsmasq bound to the lab bridge
// (inside the lab's namespace) answers a lab machine's iPXE with the address and boot script URL of its
// Neutron port; iPXE fetches the script over HTTP from the bridge's address, where the lab forwards it to an
// HTTP server on the host's loopback (as the seed's endpoints will be), and runs it. The machine is powered on
// through its IPMI BMC with the real ipmitool.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IpmiTool } from '../../src/baremetal/drivers/ipmitool.ts';
import { labDown, labUp } from '../../src/lab/lab.ts';
import { QemuMachine } from '../../src/lab/qemu/machine.ts';
import type { LabState } from '../../src/lab/state.ts';
import { networkService } from '../../src/network/index.ts';
import { call } from '../network/helpers.ts';
import { netnsUnavailable } from '../network/netns.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const skip =
  netnsUnavailable() ??
  ipmiSimUnavailable() ??
  (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'no qemu-system-x86_64');

describe('lab machine PXE-boots from the network service dnsmasq', { skip }, () => {
  let stateDir: string;
  let lab: LabState;
  let svc: TestServiceApp;
  let web: Server;
  let webPort = 0;
  const requests: string[] = [];
  let networkId = '';
  const ctx = () => testCtx();

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ooo-labdhcp-'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an iPXE variable, expanded by iPXE
    const script = '#!ipxe\necho LAB-IPXE-SCRIPT ${net0/ip}\nexit\n';
    web = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.end(req.url === '/boot.ipxe' ? script : '');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;
    lab = await labUp(ctx(), {
      forwards: [webPort],
      stateDir,
      nodes: 1,
      memoryMiB: 128,
      diskGiB: 1,
      bmc: 'ipmi',
      cidr: '192.0.2.1/24',
      accel: 'tcg',
    });
    svc = await startServiceApp(networkService, {
      settings: {
        dhcp: {
          physical_interface_mappings: { provisioning: lab.bridge },
          command_prefix: ['ip', 'netns', 'exec', lab.netns],
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
        network_id: n.body.network.id,
        ip_version: 4,
        cidr: '192.0.2.0/24',
        gateway_ip: '192.0.2.1',
        allocation_pools: [{ start: '192.0.2.10', end: '192.0.2.100' }],
      },
    });
    const p = await call(svc, 'admin', 'POST', '/v2.0/ports', {
      port: {
        network_id: n.body.network.id,
        mac_address: lab.nodes[0]!.macs[0],
        fixed_ips: [{ subnet_id: s.body.subnet.id, ip_address: '192.0.2.42' }],
        extra_dhcp_opts: [
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: `http://192.0.2.1:${webPort}/boot.ipxe` },
        ],
      },
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
  });

  after(async () => {
    await svc?.close();
    web?.close();
    if (stateDir) {
      await labDown(ctx(), stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('ipmitool bootdev pxe + power on → our DHCP lease → the boot script runs', async () => {
    const n = lab.nodes[0]!;
    // dnsmasq must be serving the port before the machine asks.
    const hosts = join(svc.stateDir, 'dhcp', networkId, 'host');
    for (let i = 0; i < 200 && !(existsSync(hosts) && readFileSync(hosts, 'utf8').includes(n.macs[0]!)); i++)
      await sleep(50);
    const agent = await call(svc, 'admin', 'GET', `/v2.0/networks/${networkId}/dhcp-agents`);
    assert.equal(agent.body.agents[0]?.configurations?.state, 'running');
    const ipmi = new IpmiTool({
      address: n.bmcAddress,
      port: n.bmcPort,
      username: n.username,
      password: n.password,
      minCommandIntervalMs: 0,
    });
    await ipmi.setBootDevice(ctx(), 'pxe');
    await ipmi.powerOn(ctx());
    const consoleLog = QemuMachine.load(n.dir).consolePath();
    let text = '';
    for (let i = 0; i < 1200 && !text.includes('LAB-IPXE-SCRIPT'); i++) {
      await sleep(100);
      text = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8') : '';
    }
    assert.match(text, /LAB-IPXE-SCRIPT 192\.0\.2\.42/, text.slice(-1500));
    assert.deepEqual(requests, ['GET /boot.ipxe']);
    await ipmi.powerOff(ctx());
  });
});
