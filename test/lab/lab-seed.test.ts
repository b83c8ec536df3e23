// The lab joins a running seed without hand steps: a real `ooo seed up` process (whose network service, by
// default, maps physical network "lab" to the lab's bridge and runs dnsmasq in the lab's namespace), then a
// real `ooo lab up` on the same state directory: it finds the seed through seed.json and clouds.yaml,
// creates the provisioning network and subnet over the network API, and forwards the seed's HTTP ports to the
// bridge's address. A machine powered on by ipmitool with bootdev pxe takes its address from the seed's
// dnsmasq (the Neutron port made here, as the bare metal service will), fetches its iPXE script over HTTP
// through the lab, and from inside the guest reaches the seed's identity and image endpoints. `ooo lab down`
// removes the network from the seed, its dnsmasq, and everything else.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IpmiTool } from '../../src/baremetal/drivers/ipmitool.ts';
import { netnsExists } from '../../src/lab/network.ts';
import { processesUnder } from '../../src/lab/procs.ts';
import { QemuMachine } from '../../src/lab/qemu/machine.ts';
import { dnsmasqIn, LAB_NETWORK_NAME, seedCredentials } from '../../src/lab/seed-link.ts';
import { labNetns } from '../../src/lab/seed-settings.ts';
import { type LabState, readLab } from '../../src/lab/state.ts';
import { authenticate } from '../../src/platform/openstack-auth.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { netnsUnavailable } from '../network/netns.ts';
import { OOO, type SeedProcess, startSeedProcess } from '../support/seed-process.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const skip =
  netnsUnavailable() ??
  ipmiSimUnavailable() ??
  (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'no qemu-system-x86_64') ??
  (existsSync('/usr/sbin/dnsmasq') ? undefined : 'no dnsmasq');

function run(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(OOO, args, { timeout: 120_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('ooo lab up against a running seed', { skip }, () => {
  let stateDir: string;
  let seed: SeedProcess;
  let lab: LabState;
  let web: Server;
  let webPort = 0;
  const requests: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: Neutron's JSON, asserted field by field
  let neutron: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ooo-labseed-'));
    writeFileSync(
      join(stateDir, 'ooo.json'),
      JSON.stringify({
        ports: { identity: 0, image: 0, network: 0 },
        settings: { identity: { hashCostLog2: 10 } },
      }),
    );
    seed = await startSeedProcess(['--state-dir', stateDir]);
    const identity = new URL(seed.url('identity')).port;
    const image = new URL(seed.url('image')).port;
    // The boot script the bare metal service will serve (it is not on this branch): it runs in the guest
    // and fetches the seed's own endpoints at the bridge's address, where the lab forwards them.
    const script = [
      '#!ipxe',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an iPXE variable, expanded by iPXE
      'echo LAB-SEED-SCRIPT ${net0/ip} ${net0/dhcp-server}',
      `imgfetch http://192.0.2.1:${identity}/v3 && echo LAB-SEED-IDENTITY-OK || echo LAB-SEED-IDENTITY-FAILED`,
      `imgfetch http://192.0.2.1:${image}/versions && echo LAB-SEED-IMAGE-OK || echo LAB-SEED-IMAGE-FAILED`,
      'exit',
      '',
    ].join('\n');
    web = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.end(req.url === '/boot.ipxe' ? script : '');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;

    const up = await run([
      'lab',
      'up',
      '--state-dir',
      stateDir,
      '--nodes',
      '1',
      '--memory',
      '128',
      '--disk',
      '1',
      '--accel',
      'tcg',
      '--forward',
      String(webPort),
    ]);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}\n${seed.output()}`);
    assert.match(up.stdout, new RegExp(`seed network ${LAB_NETWORK_NAME} \\(\\S+\\) serves DHCP on br-lab`));
    lab = readLab(join(stateDir, 'lab'))!;

    const session = await authenticate(testCtx(), seedCredentials(join(stateDir, 'clouds.yaml')));
    const base = seed.url('network');
    neutron = async (method, path, body) => {
      const res = await fetch(`${base}/v2.0${path}`, {
        method,
        headers: { 'x-auth-token': session.token, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    };
  });

  after(async () => {
    if (stateDir) await run(['lab', 'down', '--state-dir', stateDir]);
    await seed?.stop();
    web?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('the network, its subnet and the forwards come from the seed', async () => {
    // Every service the seed serves on loopback is forwarded (the seed prints one line per service).
    const seedPorts = ALL_SERVICES.map((d) => Number(new URL(seed.url(d.name)).port));
    assert.deepEqual(
      [...lab.forwards!].sort((a, b) => a - b),
      [...seedPorts, webPort].sort((a, b) => a - b),
    );
    const nets = await neutron('GET', `/networks?name=${LAB_NETWORK_NAME}`);
    assert.equal(nets.body.networks.length, 1);
    const net = nets.body.networks[0];
    assert.equal(net.id, lab.seed!.networkId);
    assert.equal(net['provider:network_type'], 'flat');
    assert.equal(net['provider:physical_network'], 'lab');
    const sub = await neutron('GET', `/subnets/${lab.seed!.subnetId}`);
    assert.equal(sub.body.subnet.cidr, '192.0.2.0/24');
    assert.equal(sub.body.subnet.gateway_ip, '192.0.2.1');
    assert.deepEqual(sub.body.subnet.allocation_pools, [{ start: '192.0.2.2', end: '192.0.2.254' }]);
    // The metadata address is routed to the bridge, where the lab's forwarder serves it (option 121).
    assert.deepEqual(sub.body.subnet.host_routes, [
      { destination: '169.254.169.254/32', nexthop: '192.0.2.1' },
    ]);
    // ... and answered there by the seed's metadata service, through its trusted socket: no server has the
    // bridge's address, so its webob 404 (not a refused connection) comes back.
    assert.equal(lab.metadataSocket, join(stateDir, 'compute-metadata', 'forwarded.sock'));
    const md = await new Promise<string>((done) =>
      execFile(
        'ip',
        [
          'netns',
          'exec',
          lab.netns,
          'curl',
          '-sS',
          '-w',
          ' %{http_code}',
          'http://169.254.169.254/openstack/latest/meta_data.json',
        ],
        (_err, stdout, stderr) => done(stdout + stderr),
      ),
    );
    assert.match(md, /The resource could not be found\.\n 404$/);
    const opts = readFileSync(join(stateDir, 'dhcp', lab.seed!.networkId, 'opts'), 'utf8');
    assert.match(
      opts,
      /option:classless-static-route,169\.254\.169\.254\/32,192\.0\.2\.1,0\.0\.0\.0\/0,192\.0\.2\.1/,
    );
    assert.ok(dnsmasqIn(lab.netns), 'the seed runs dnsmasq in the lab namespace');
    const status = await run(['lab', 'status', '--state-dir', stateDir]);
    assert.match(status.stdout, new RegExp(`seed network ${net.id} \\(subnet ${lab.seed!.subnetId}\\)`));
  });

  test('ipmitool bootdev pxe + power on → the seed dnsmasq lease → iPXE script → the seed endpoints', async () => {
    const n = lab.nodes[0]!;
    const p = await neutron('POST', '/ports', {
      port: {
        network_id: lab.seed!.networkId,
        mac_address: n.macs[0],
        fixed_ips: [{ subnet_id: lab.seed!.subnetId, ip_address: '192.0.2.42' }],
        extra_dhcp_opts: [
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: `http://192.0.2.1:${webPort}/boot.ipxe` },
        ],
      },
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    // dnsmasq re-reads its hosts file on the port's notice; wait for the agent to have written it.
    const seedState = stateDir;
    const hosts = join(seedState, 'dhcp', lab.seed!.networkId, 'host');
    for (let i = 0; i < 200 && !(existsSync(hosts) && readFileSync(hosts, 'utf8').includes(n.macs[0]!)); i++)
      await sleep(50);
    const ipmi = new IpmiTool({
      address: n.bmcAddress,
      port: n.bmcPort,
      username: n.username,
      password: n.password,
      minCommandIntervalMs: 0,
    });
    await ipmi.setBootDevice(testCtx(), 'pxe');
    await ipmi.powerOn(testCtx());
    const consoleLog = QemuMachine.load(n.dir).consolePath();
    let text = '';
    for (let i = 0; i < 1200 && !/LAB-SEED-IMAGE-(OK|FAILED)/.test(text); i++) {
      await sleep(100);
      text = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8') : '';
    }
    // The address is the port's, handed out by the only DHCP server there: the seed's, at the bridge.
    assert.match(text, /LAB-SEED-SCRIPT 192\.0\.2\.42 192\.0\.2\.1/, text.slice(-1500));
    assert.match(text, /LAB-SEED-IDENTITY-OK/, text.slice(-1500));
    assert.match(text, /LAB-SEED-IMAGE-OK/, text.slice(-1500));
    assert.deepEqual(requests, ['GET /boot.ipxe']);
    await ipmi.powerOff(testCtx());
  });

  test('ooo lab down removes the network from the seed, its dnsmasq, the namespace and the processes', async () => {
    const { netns, dir } = lab;
    const down = await run(['lab', 'down', '--state-dir', stateDir]);
    assert.equal(down.code, 0, down.stderr);
    const nets = await neutron('GET', `/networks?name=${LAB_NETWORK_NAME}`);
    assert.deepEqual(nets.body.networks, []);
    const ports = await neutron('GET', '/ports');
    assert.deepEqual(ports.body.ports, []);
    assert.equal(netnsExists(netns), false);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(processesUnder(dir), []);
    // The seed keeps serving.
    assert.equal((await fetch(`${seed.url('network')}/`)).status, 200);
  });
});

describe('ooo lab up against a seed that serves no DHCP for the lab', { skip }, () => {
  let stateDir: string;
  let seed: SeedProcess;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ooo-labseed-nodhcp-'));
    writeFileSync(
      join(stateDir, 'ooo.json'),
      JSON.stringify({
        ports: { identity: 0, image: 0, network: 0 },
        settings: { identity: { hashCostLog2: 10 }, network: { dhcp: { enabled: false } } },
      }),
    );
    seed = await startSeedProcess(['--state-dir', stateDir]);
  });

  after(async () => {
    if (stateDir) await run(['lab', 'down', '--state-dir', stateDir]);
    await seed?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('fails with the reason and leaves nothing behind, in the seed or on the host', async () => {
    const up = await run([
      'lab',
      'up',
      '--state-dir',
      stateDir,
      '--nodes',
      '1',
      '--memory',
      '128',
      '--disk',
      '1',
    ]);
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /the seed's network service runs no dnsmasq in ooo-lab-[0-9a-f]{6}/);
    assert.equal(existsSync(join(stateDir, 'lab')), false);
    const session = await authenticate(testCtx(), seedCredentials(join(stateDir, 'clouds.yaml')));
    const res = await fetch(`${seed.url('network')}/v2.0/networks?name=${LAB_NETWORK_NAME}`, {
      headers: { 'x-auth-token': session.token },
    });
    assert.deepEqual(((await res.json()) as { networks: unknown[] }).networks, []);
    assert.equal(netnsExists(labNetns(stateDir)), false);
    assert.match((await run(['lab', 'status', '--state-dir', stateDir])).stdout, /lab: none/);
  });
});
