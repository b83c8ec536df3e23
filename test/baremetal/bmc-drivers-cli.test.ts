// The `ipmi` and `redfish` hardware types driven by the real `openstack baremetal` CLI: enrolment with
// the password masked, validate with reasons, manage --wait (verifying reads the BMC), power on/off and
// boot device set/show reaching the BMC, then the periodic power sync: a state changed behind the
// service's back is recorded, a BMC that stops answering puts the node in maintenance with fault
// `power failure`, and its return clears both. The seed's log is kept and searched for the passwords.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIpmiSim } from '../../src/lab/ipmi/ipmi-sim.ts';
import { RedfishBmc } from '../../src/lab/redfish-bmc/server.ts';
import { createLogger, silentLogger } from '../../src/platform/log/logger.ts';
import { FakeMachine } from '../lab/fake-machine.ts';
import { type FakeBmc, ipmiSimUnavailable, startFakeBmc, testCtx } from '../lab/ipmi-sim-support.ts';
import { baremetalCli } from '../support/baremetal-cli.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read freely
type J = any;

const REDFISH_PASSWORD = 'rf-Pa55-w0rd-9x';

describe('ipmi and redfish hardware types with the real CLI', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  const logLines: string[] = [];
  const { os, ok, show } = baremetalCli(() => seed.cliEnv, 180_000);
  /** Polls the node until `pred` holds (no deadline of ours: the test runner's timeout is the limit). */
  const until = async (node: string, pred: (n: J) => boolean): Promise<J> => {
    for (;;) {
      const n = await show(node);
      if (pred(n)) return n;
      await sleep(500);
    }
  };

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    seed = await startTestSeed({
      services: ['baremetal'],
      log: createLogger({ level: 'debug', destination: sink }),
      settings: {
        baremetal: {
          bmc: {
            ipmiMinCommandIntervalMs: 0,
            ipmiRetryTimeoutMs: 2_000,
            powerWaitS: 15,
            redfishTimeoutMs: 3_000,
          },
          powerSyncIntervalMs: 1_000,
        },
      },
    });
  });
  after(() => seed?.stop());

  /** The node's history entries as the API serves them (1.78). */
  const events = async (node: string): Promise<J[]> => {
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const res = await fetch(`${seed.urls.baremetal}/v1/nodes/${node}/history`, {
      headers: { 'x-auth-token': token, 'x-openstack-ironic-api-version': '1.78' },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { history: J[] }).history;
  };

  describe('ipmi against ipmi_sim', { skip: ipmiSimUnavailable() }, () => {
    let bmc: FakeBmc;
    let restarted: number | undefined;
    before(async () => {
      bmc = await startFakeBmc();
    });
    after(() => {
      if (restarted) process.kill(restarted, 'SIGKILL');
      bmc?.stop();
    });

    test('validate names the missing ipmi_address and a bad port', async () => {
      await ok(
        'baremetal',
        'node',
        'create',
        '--driver',
        'ipmi',
        '--name',
        'ipmi-bad',
        '--driver-info',
        'ipmi_port=notaport',
      );
      const v: J[] = (await ok('baremetal', 'node', 'validate', 'ipmi-bad', '-f', 'json')).json();
      const power = v.find((i) => i.Interface === 'power');
      assert.equal(power.Result, false);
      assert.match(power.Reason, /Missing the following IPMI credentials.*ipmi_address/);
      assert.match(power.Reason, /ipmi_port must be an integer/);
      const r = await os('baremetal', 'node', 'manage', 'ipmi-bad', '--wait', '60');
      assert.notEqual(r.code, 0);
      assert.equal((await show('ipmi-bad')).provision_state, 'enroll');
      await ok('baremetal', 'node', 'delete', 'ipmi-bad');
    });

    test('create, manage --wait, power on/off, boot device, masked password', async () => {
      const created: J = (
        await ok(
          'baremetal',
          'node',
          'create',
          '--driver',
          'ipmi',
          '--name',
          'ipmi0',
          '--driver-info',
          'ipmi_address=127.0.0.1',
          '--driver-info',
          `ipmi_port=${bmc.port}`,
          '--driver-info',
          `ipmi_username=${bmc.username}`,
          '--driver-info',
          `ipmi_password=${bmc.password}`,
          '-f',
          'json',
        )
      ).json();
      assert.equal(created.driver_info.ipmi_password, '******');
      assert.equal(created.power_interface, 'ipmitool');
      assert.equal(created.management_interface, 'ipmitool');
      const v: J[] = (await ok('baremetal', 'node', 'validate', 'ipmi0', '-f', 'json')).json();
      assert.equal(v.find((i) => i.Interface === 'power').Result, true);
      assert.equal(v.find((i) => i.Interface === 'management').Result, true);

      await ok('baremetal', 'node', 'manage', 'ipmi0', '--wait', '120');
      let n = await show('ipmi0');
      assert.equal(n.provision_state, 'manageable');
      assert.equal(n.power_state, 'power off');
      assert.ok(
        bmc.calls().some((c) => c.startsWith('get')),
        'verifying asked the BMC',
      );

      await ok('baremetal', 'node', 'power', 'on', 'ipmi0');
      n = await until('ipmi0', (x) => x.target_power_state === null);
      assert.equal(n.power_state, 'power on', n.last_error);
      assert.equal(bmc.state('power'), '1');

      await ok('baremetal', 'node', 'boot', 'device', 'set', 'ipmi0', 'pxe');
      const bd: J = (await ok('baremetal', 'node', 'boot', 'device', 'show', 'ipmi0', '-f', 'json')).json();
      assert.equal(bd.boot_device, 'pxe');
      const sup: J = (
        await ok('baremetal', 'node', 'boot', 'device', 'show', '--supported', 'ipmi0', '-f', 'json')
      ).json();
      assert.equal(String(sup.supported_boot_devices), 'pxe, disk');
      const refused = await os('baremetal', 'node', 'boot', 'device', 'set', 'ipmi0', 'cdrom');
      assert.notEqual(refused.code, 0);

      await ok('baremetal', 'node', 'power', 'off', 'ipmi0');
      n = await until('ipmi0', (x) => x.target_power_state === null);
      assert.equal(n.power_state, 'power off', n.last_error);
      assert.equal(bmc.state('power'), '0');
      assert.equal(n.driver_info.ipmi_password, '******');
    });

    test('power sync: a change is recorded; a dead BMC means maintenance, its return clears it', async () => {
      // Someone powers the machine on behind the service's back.
      pressPowerButton(bmc, '1');
      let n = await until('ipmi0', (x) => x.power_state === 'power on');
      const synced = (await events('ipmi0')).filter((e) => /power state sync/.test(e.event));
      assert.ok(synced.length > 0, 'the change is a history entry');

      process.kill(bmc.pid, 'SIGKILL');
      n = await until('ipmi0', (x) => x.fault === 'power failure');
      assert.equal(n.maintenance, true);
      assert.match(n.maintenance_reason, /attempts to read the power state failed/);

      restarted = (await restartIpmiSim(bmc)).pid;
      n = await until('ipmi0', (x) => x.fault === null);
      assert.equal(n.maintenance, false);
      assert.equal(n.maintenance_reason, null);
      assert.equal(n.power_state, 'power on');
    });
  });

  describe('redfish against the lab emulator', () => {
    const machine = new FakeMachine('rf0');
    let rf: RedfishBmc;
    let port = 0;
    before(async () => {
      rf = new RedfishBmc({
        systems: [{ machine, cpus: 1, memoryMiB: 512 }],
        username: 'rfadmin',
        password: REDFISH_PASSWORD,
        log: silentLogger(),
      });
      port = await rf.listen('127.0.0.1', 0);
    });
    after(() => rf?.close());

    test('validate names the missing redfish_address and a bad auth type', async () => {
      await ok(
        'baremetal',
        'node',
        'create',
        '--driver',
        'redfish',
        '--name',
        'rf-bad',
        '--driver-info',
        'redfish_auth_type=kerberos',
      );
      const v: J[] = (await ok('baremetal', 'node', 'validate', 'rf-bad', '-f', 'json')).json();
      const power = v.find((i) => i.Interface === 'power');
      assert.equal(power.Result, false);
      assert.match(power.Reason, /redfish_address/);
      assert.match(power.Reason, /redfish_auth_type must be one of auto, session, basic/);
      await ok('baremetal', 'node', 'delete', 'rf-bad');
    });

    test('create, manage --wait, power, boot device; sync through a stopped BMC', async () => {
      const created: J = (
        await ok(
          'baremetal',
          'node',
          'create',
          '--driver',
          'redfish',
          '--name',
          'rf0',
          '--driver-info',
          `redfish_address=http://127.0.0.1:${port}`,
          '--driver-info',
          `redfish_system_id=/redfish/v1/Systems/${machine.uuid}`,
          '--driver-info',
          'redfish_username=rfadmin',
          '--driver-info',
          `redfish_password=${REDFISH_PASSWORD}`,
          '--driver-info',
          'redfish_verify_ca=False',
          '-f',
          'json',
        )
      ).json();
      assert.equal(created.driver_info.redfish_password, '******');
      assert.equal(created.power_interface, 'redfish');

      await ok('baremetal', 'node', 'manage', 'rf0', '--wait', '120');
      let n = await show('rf0');
      assert.equal(n.provision_state, 'manageable');
      assert.equal(n.power_state, 'power off');

      await ok('baremetal', 'node', 'power', 'on', 'rf0');
      n = await until('rf0', (x) => x.target_power_state === null);
      assert.equal(n.power_state, 'power on', n.last_error);
      assert.equal(machine.power, 'on');

      await ok('baremetal', 'node', 'boot', 'device', 'set', 'rf0', 'pxe', '--persistent');
      assert.deepEqual(machine.boot, { device: 'pxe', persistent: true });
      const bd: J = (await ok('baremetal', 'node', 'boot', 'device', 'show', 'rf0', '-f', 'json')).json();
      assert.equal(bd.boot_device, 'pxe');
      assert.equal(bd.persistent, true);

      await ok('baremetal', 'node', 'power', 'off', 'rf0');
      n = await until('rf0', (x) => x.target_power_state === null);
      assert.equal(n.power_state, 'power off', n.last_error);
      assert.equal(machine.power, 'off');

      // Behind the service's back, then a BMC that goes away and comes back.
      machine.power = 'on';
      await until('rf0', (x) => x.power_state === 'power on');
      await rf.close();
      n = await until('rf0', (x) => x.fault === 'power failure');
      assert.equal(n.maintenance, true);
      await rf.listen('127.0.0.1', port);
      n = await until('rf0', (x) => x.fault === null && x.maintenance === false);
      assert.equal(n.power_state, 'power on');
    });
  });

  test('no password in any log line', () => {
    const text = logLines.join('');
    assert.ok(text.length > 0, 'the seed logged');
    assert.ok(!text.includes(REDFISH_PASSWORD), 'the Redfish password never reaches the log');
    assert.ok(!text.includes('S3cret-pw-0ff1ce'), 'the IPMI password never reaches the log');
  });
});

/** Flips the fake machine's power file as if someone pressed its power button. */
function pressPowerButton(bmc: FakeBmc, power: '0' | '1') {
  writeFileSync(join(bmc.dir, 'power'), `${power}\n`);
}

function restartIpmiSim(bmc: FakeBmc) {
  return startIpmiSim(testCtx(), bmc.dir, {
    name: 'fake0',
    address: '127.0.0.1',
    port: bmc.port,
    username: bmc.username,
    password: bmc.password,
    chassisControl: join(bmc.dir, 'control.sh'),
  });
}
