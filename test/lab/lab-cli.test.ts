// `ooo lab` end to end with real processes: two TCG machines (one IPMI BMC, one Redfish BMC) on a namespace
// bridge, driven by the real ipmitool (-I lanplus -C 3) and Debian's python3-sushy; QMP shows the effect.
// Then kill -9 of every lab process, `ooo lab down`, and nothing is left: no process, namespace or tap.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IpmiTool } from '../../src/baremetal/drivers/ipmitool.ts';
import { netnsExists, netnsLinks, netnsPids } from '../../src/lab/network.ts';
import type { DevtestNode } from '../../src/lab/nodes-json.ts';
import { alive, processesUnder } from '../../src/lab/procs.ts';
import { QemuMachine } from '../../src/lab/qemu/machine.ts';
import { type LabState, readLab } from '../../src/lab/state.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const OOO = resolve(import.meta.dirname, '../../bin/ooo');
const SUSHY = join(import.meta.dirname, 'fixtures', 'sushy-drive.py');

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the lab makes a network namespace and taps';
  if (!existsSync('/usr/bin/qemu-system-x86_64')) return 'no qemu-system-x86_64 (qemu-system-x86)';
  if (!existsSync('/usr/lib/python3/dist-packages/sushy')) return 'no python3-sushy';
  return ipmiSimUnavailable();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(cmd, args, { timeout: 120_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('ooo lab', { skip: unavailable() }, () => {
  let stateDir: string;
  let lab: LabState;
  let nodes: DevtestNode[];
  const ooo = (...args: string[]) => run(OOO, [...args, '--state-dir', stateDir]);
  const ctx = () => testCtx();
  const machine = (i: number) => QemuMachine.load(lab.nodes[i]!.dir);
  const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 600; i++) {
      if (await ok()) return;
      await sleep(100);
    }
    assert.fail(`gave up waiting for ${what}`);
  };
  const consoleOf = (i: number) =>
    existsSync(machine(i).consolePath()) ? readFileSync(machine(i).consolePath(), 'utf8') : '';

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ooo-lab-'));
    // --forward: the two forwarder halves are among the processes the kill -9 test kills
    const up = await ooo(
      'lab',
      'up',
      '--nodes',
      '2',
      '--bmc',
      'mixed',
      '--memory',
      '128',
      '--disk',
      '1',
      '--forward',
      '9',
    );
    assert.equal(up.code, 0, up.stderr);
    lab = readLab(join(stateDir, 'lab'))!;
    nodes = (
      JSON.parse(readFileSync(join(stateDir, 'lab', 'nodes.json'), 'utf8')) as { nodes: DevtestNode[] }
    ).nodes;
  });
  after(async () => {
    await ooo('lab', 'down');
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('nodes.json in devtest format: one IPMI and one Redfish node, own credentials and MACs', () => {
    assert.deepEqual(
      nodes.map((n) => n.pm_type),
      ['pxe_ipmitool', 'redfish'],
    );
    assert.notEqual(nodes[0]!.pm_password, nodes[1]!.pm_password);
    assert.notEqual(nodes[0]!.mac[0], nodes[1]!.mac[0]);
    for (const n of nodes) {
      assert.match(n.mac[0]!, /^52:54:00(:[0-9a-f]{2}){3}$/);
      assert.equal(n.memory, '128');
      assert.equal(n.disk, '1');
      assert.equal(n.arch, 'amd64');
      assert.ok(Number(n.pm_port) > 0);
    }
    assert.equal(nodes[1]!.pm_system_id, `/redfish/v1/Systems/${lab.nodes[1]!.uuid}`);
    // The namespace holds the bridge and one tap per machine, and the machines are off.
    assert.ok(netnsExists(lab.netns));
    assert.deepEqual(netnsLinks(lab.netns).sort(), ['br-lab', 'lo', 'tap0', 'tap1']);
  });

  test('ipmitool -I lanplus -C 3: bootdev pxe + power on start the VM; bootdev disk + reset reboot it', async () => {
    const n = nodes[0]!;
    const ipmi = new IpmiTool({
      address: n.pm_addr,
      port: Number(n.pm_port),
      username: n.pm_user,
      password: n.pm_password,
      minCommandIntervalMs: 0,
    });
    assert.equal(await ipmi.powerStatus(ctx()), 'off');
    await ipmi.setBootDevice(ctx(), 'pxe');
    assert.equal((await ipmi.getBootDevice(ctx())).device, 'pxe');
    await ipmi.powerOn(ctx());
    assert.equal(await ipmi.powerStatus(ctx()), 'on');
    assert.equal((await machine(0).qmpStatus(ctx())).status, 'running');
    await until('iPXE on node-0', () => consoleOf(0).includes('iPXE'));
    const pid = machine(0).pid();
    const from = consoleOf(0).length;
    await ipmi.setBootDevice(ctx(), 'disk', { persistent: true });
    await ipmi.powerReset(ctx());
    assert.notEqual(machine(0).pid(), pid, 'QEMU restarted with the disk boot order');
    await until('a disk boot on node-0', () => consoleOf(0).slice(from).includes('Booting from Hard Disk'));
    const status = await ooo('lab', 'status');
    assert.match(status.stdout, /node-0\s+on \(running\)/);
    await ipmi.powerOff(ctx());
    assert.equal(await ipmi.powerStatus(ctx()), 'off');
    assert.equal(await machine(0).powerState(ctx()), 'off');
  });

  test('sushy: boot Pxe once + On starts the VM (QMP running); ForceOff stops it', async () => {
    const n = nodes[1]!;
    const sushy = (...steps: string[]) =>
      run('/usr/bin/python3', [SUSHY, n.pm_addr, n.pm_user, n.pm_password, 'auto', ...steps]);
    const on = await sushy('boot:Pxe:Once', 'power:On', 'show');
    assert.equal(on.code, 0, on.stderr);
    // The once-override was used by this power-on.
    assert.deepEqual(JSON.parse(on.stdout.trim().split('\n').at(-1)!), {
      power: 'On',
      target: 'None',
      enabled: 'Disabled',
      id: lab.nodes[1]!.uuid,
      session: true,
    });
    assert.equal((await machine(1).qmpStatus(ctx())).status, 'running');
    await until('iPXE on node-1', () => consoleOf(1).includes('iPXE'));
    const console = await ooo('lab', 'console', 'node-1', '--no-follow');
    assert.equal(console.code, 0);
    assert.match(console.stdout, /iPXE/);
    // Followed: what is already there comes at once, and the command ends cleanly on SIGINT.
    const follower = spawn(OOO, ['lab', 'console', 'node-1', '--state-dir', stateDir]);
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => {
      followed += d.toString();
    });
    await until('the followed console', () => followed.includes('iPXE'));
    const exited = new Promise<number | null>((done) => follower.on('exit', (code) => done(code)));
    follower.kill('SIGINT');
    assert.equal(await exited, 0);
    const off = await sushy('power:ForceOff', 'show');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(JSON.parse(off.stdout.trim().split('\n').at(-1)!).power, 'Off');
    assert.equal(await machine(1).powerState(ctx()), 'off');
    const bad = await run('/usr/bin/python3', [SUSHY, n.pm_addr, n.pm_user, 'wrong', 'session', 'show']);
    assert.equal(bad.code, 3);
  });

  test('after kill -9 of every lab process, down leaves no process, namespace or tap', async () => {
    // A running VM too, so QEMU is among the killed.
    await machine(1).powerOn(ctx());
    const pids = processesUnder(lab.dir);
    assert.ok(pids.length >= 5, `qemu, ipmi_sim, the Redfish BMC and both forwarder halves: ${pids}`);
    assert.deepEqual(
      lab.forwardPids?.filter((p) => !pids.includes(p)),
      [],
      'the forwarders are killed too',
    );
    // A seed killed with -9 leaves its dnsmasq in the namespace (its command line names the seed's state, not
    // the lab): a DHCP server of the same kind, orphaned there, must go too.
    const orphan = spawn(
      'ip',
      [
        'netns',
        'exec',
        lab.netns,
        '/usr/sbin/dnsmasq',
        '--keep-in-foreground',
        '--conf-file=/dev/null',
      ].concat([
        '--port=0',
        `--pid-file=${join(stateDir, 'orphan-dnsmasq.pid')}`,
        '--leasefile-ro',
        '--bind-interfaces',
        '--interface=br-lab',
        '--dhcp-range=192.0.2.50,192.0.2.60',
      ]),
      { stdio: 'ignore', detached: true },
    );
    orphan.unref();
    await until('the orphan dnsmasq in the namespace', () => netnsPids(lab.netns).includes(orphan.pid!));
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const down = await ooo('lab', 'down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesUnder(lab.dir), []);
    // Ended: gone, or a zombie its parent has not reaped yet.
    assert.equal(alive(orphan.pid!), false, 'the orphan dnsmasq was ended');
    assert.equal(netnsExists(lab.netns), false);
    assert.equal(existsSync(lab.dir), false);
    const status = await ooo('lab', 'status');
    assert.equal(status.code, 3);
  });

  test('up on a dirty state cleans the old lab first', async () => {
    const first = await ooo(
      'lab',
      'up',
      '--nodes',
      '1',
      '--bmc',
      'redfish',
      '--memory',
      '128',
      '--disk',
      '1',
    );
    assert.equal(first.code, 0, first.stderr);
    const old = readLab(join(stateDir, 'lab'))!;
    // The namespace is named after the state directory: a link marks the old one, which must go.
    await run('ip', ['-n', old.netns, 'tuntap', 'add', 'dev', 'old-lab', 'mode', 'tap']);
    assert.ok(netnsLinks(old.netns).includes('old-lab'));
    // Simulate a killed `ooo`: the lab's processes live on and its record stays.
    const second = await ooo('lab', 'up', '--nodes', '1', '--bmc', 'ipmi', '--memory', '128', '--disk', '1');
    assert.equal(second.code, 0, second.stderr);
    const now = readLab(join(stateDir, 'lab'))!;
    assert.equal(now.netns, old.netns);
    assert.equal(netnsLinks(now.netns).includes('old-lab'), false, 'the old namespace was deleted');
    assert.ok(old.redfishPid !== undefined);
    assert.equal(alive(old.redfishPid!), false, 'the old Redfish BMC was ended');
    assert.equal(now.nodes[0]!.bmc, 'ipmi');
  });

  test('bad flags are refused before anything is made', async () => {
    for (const args of [
      ['--nodes', '0'],
      ['--nodes', '2', '--bmc', 'ilo'],
      ['--nodes', '1', '--memory', '12'],
      ['--memory', '128'],
    ]) {
      const r = await ooo('lab', 'up', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    const r = await ooo('lab', 'console', 'node-9', '--no-follow');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no node node-9/);
  });
});
