// The ipmitool driver against a real OpenIPMI ipmi_sim on 127.0.0.1 (a fake machine behind chassis_control).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { IpmiTool, parseBootFlags } from '../../src/baremetal/drivers/ipmitool.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';
import { createLogger } from '../../src/platform/log/logger.ts';
import { type FakeBmc, ipmiSimUnavailable, startFakeBmc, testCtx } from '../lab/ipmi-sim-support.ts';

describe('parseBootFlags', () => {
  const flags = (selector: string, persistent: boolean) =>
    ` Boot Flags :\n   - Boot Flag Valid\n   - Options apply to ${persistent ? 'all future boots' : 'only next boot'}\n` +
    `   - Boot Device Selector : ${selector}\n   - BIOS verbosity : System Default\n`;
  const cases: [string, boolean, string | undefined][] = [
    ['Force PXE', false, 'pxe'],
    ['Force Boot from default Hard-Drive', true, 'disk'],
    ['Force Boot from default Hard-Drive, request Safe-Mode', false, 'safe'],
    ['Force Boot from CD/DVD', true, 'cdrom'],
    ['Force Boot into BIOS Setup', false, 'bios'],
    ['No override', false, undefined],
  ];
  for (const [selector, persistent, device] of cases)
    test(`${selector} (${persistent ? 'persistent' : 'once'})`, () => {
      assert.deepEqual(parseBootFlags(flags(selector, persistent)), { device, persistent });
    });
  test('output without a selector is an IPMIFailure', () => {
    assert.throws(
      () => parseBootFlags('Error: something'),
      (e) => isAppError(e) && e.type === 'IPMIFailure',
    );
  });
  test('an unknown selector is an IPMIFailure', () => {
    assert.throws(() => parseBootFlags(flags('Force Boot from Floppy', false)), /unknown boot device/);
  });
});

describe('IpmiTool against ipmi_sim', { skip: ipmiSimUnavailable() }, () => {
  let bmc: FakeBmc;
  let ipmi: IpmiTool;
  const logged: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logged.push(chunk.toString());
      cb();
    },
  });
  const ctx = () => ({ ...testCtx(), log: createLogger({ level: 'debug', destination: sink }) });

  before(async () => {
    bmc = await startFakeBmc();
    ipmi = new IpmiTool({
      address: '127.0.0.1',
      port: bmc.port,
      username: bmc.username,
      password: bmc.password,
      minCommandIntervalMs: 0,
    });
  });
  after(() => bmc?.stop());

  test('power status, on, off reach the machine and come back', async () => {
    assert.equal(await ipmi.powerStatus(ctx()), 'off');
    await ipmi.powerOn(ctx());
    assert.equal(bmc.state('power'), '1');
    assert.equal(await ipmi.powerStatus(ctx()), 'on');
    await ipmi.powerOff(ctx());
    assert.equal(bmc.state('power'), '0');
    assert.equal(await ipmi.powerStatus(ctx()), 'off');
  });

  test('reset, soft and cycle send their chassis controls', async () => {
    await ipmi.powerOn(ctx());
    const before = bmc.calls().length;
    await ipmi.powerReset(ctx());
    await ipmi.powerSoft(ctx());
    await ipmi.powerCycle(ctx());
    const sets = bmc
      .calls()
      .slice(before)
      .filter((c) => c.startsWith('set'));
    // ipmi_sim maps a cycle to power off on chassis_control (it has no separate "cycle" control).
    assert.deepEqual(sets, ['set reset 1', 'set shutdown 1', 'set power 0']);
  });

  test('boot device pxe and disk are set and read back', async () => {
    await ipmi.setBootDevice(ctx(), 'pxe');
    assert.equal(bmc.state('boot'), 'pxe');
    assert.deepEqual(await ipmi.getBootDevice(ctx()), { device: 'pxe', persistent: false });
    await ipmi.setBootDevice(ctx(), 'disk', { persistent: true });
    assert.equal(bmc.state('boot'), 'default');
    // ipmi_sim keeps the device but not the persistence bit; the selector is what comes back.
    assert.equal((await ipmi.getBootDevice(ctx())).device, 'disk');
  });

  test('the password is in neither argv nor the log', async () => {
    logged.length = 0;
    await ipmi.powerStatus(ctx());
    assert.ok(!ipmi.argv(['power', 'status']).join(' ').includes(bmc.password));
    assert.ok(ipmi.argv(['power', 'status']).includes('-E'));
    assert.ok(logged.join('').includes('power status'), 'the command was logged');
    assert.ok(!logged.join('').includes(bmc.password));
  });

  test('wrong credentials fail with an IPMIFailure after retrying until the retry timeout', async () => {
    const bad = new IpmiTool({
      address: '127.0.0.1',
      port: bmc.port,
      username: bmc.username,
      password: 'wrong',
      retryTimeoutMs: 2000,
      minCommandIntervalMs: 300,
    });
    await assert.rejects(bad.powerStatus(ctx()), (e) => {
      assert.ok(isAppError(e));
      assert.equal(e.type, 'IPMIFailure');
      assert.match(e.message, /Unable to establish IPMI v2/);
      assert.ok((e.details.attempts as number) > 1, 'retried');
      assert.ok(!e.message.includes('wrong'));
      return true;
    });
  });

  test('a BMC that does not answer fails without retrying past the timeout', async () => {
    const dead = new IpmiTool({ address: '127.0.0.1', port: 9, password: 'x', retryTimeoutMs: 0 });
    await assert.rejects(dead.powerStatus(ctx()), (e) => isAppError(e) && e.details.attempts === 1);
  });

  test('an aborted context kills the command', async () => {
    const ac = new AbortController();
    const slow = new IpmiTool({
      address: '127.0.0.1',
      port: 7,
      password: 'x',
      sessionTimeoutSec: 30,
      minCommandIntervalMs: 0,
    });
    const p = slow.powerStatus({ ...testCtx(), signal: ac.signal });
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });

  test('bad options are refused', () => {
    assert.throws(() => new IpmiTool({ address: '' }), /address/);
    assert.throws(() => new IpmiTool({ address: 'h', port: 70000 }), /port/);
    assert.throws(() => new IpmiTool({ address: 'h', cipherSuite: 99 }), /cipher/);
  });
});
