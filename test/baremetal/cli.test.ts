// The real `openstack baremetal` CLI (python-ironicclient 5.0.1) drives the service with fake-hardware:
// enrolment, listing, ports, every provision verb with --wait, maintenance, power, boot device, validate,
// drivers and allocations, plus the bad inputs it must refuse without changing anything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baremetalCli } from '../support/baremetal-cli.ts';
import { cliUnavailable } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read freely
type J = any;

describe('openstack baremetal against the seed (fake-hardware)', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  let env: Record<string, string>;
  const { os, ok, show } = baremetalCli(() => env, 120_000);

  before(async () => {
    seed = await startTestSeed({ services: ['baremetal'] });
    env = seed.cliEnv;
  });
  after(() => seed?.stop());

  test('enrol, list, show masked, set/unset, ports, refusals', async () => {
    const bad = await os('baremetal', 'node', 'create', '--driver', 'idrac', '--name', 'nope');
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /Could not find the following driver\(s\) or hardware type\(s\): idrac.*HTTP 400/,
    );

    const created: J = (
      await ok(
        'baremetal',
        'node',
        'create',
        '--driver',
        'fake-hardware',
        '--name',
        'n1',
        '--driver-info',
        'ipmi_address=192.0.2.10',
        '--driver-info',
        'ipmi_password=very-secret',
        '--property',
        'cpus=4',
        '--property',
        'memory_mb=8192',
        '--resource-class',
        'baremetal',
        '--console-interface',
        'no-console',
        '-f',
        'json',
      )
    ).json();
    assert.equal(created.provision_state, 'enroll');
    assert.equal(created.power_state, null);
    assert.equal(created.driver_info.ipmi_password, '******');
    assert.equal(created.driver_info.ipmi_address, '192.0.2.10');
    await ok(
      'baremetal',
      'node',
      'create',
      '--driver',
      'fake-hardware',
      '--name',
      'n2',
      '--resource-class',
      'other',
    );

    const dup = await os('baremetal', 'node', 'create', '--driver', 'fake-hardware', '--name', 'n1');
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /already exists.*HTTP 409/);

    const shown = await show('n1');
    assert.equal(shown.driver_info.ipmi_password, '******');
    assert.equal(shown.uuid, created.uuid);

    const list: J[] = (await ok('baremetal', 'node', 'list', '-f', 'json')).json();
    assert.deepEqual(list.map((n) => n.Name).sort(), ['n1', 'n2']);
    assert.deepEqual(Object.keys(list[0]).sort(), [
      'Instance UUID',
      'Maintenance',
      'Name',
      'Power State',
      'Provisioning State',
      'UUID',
    ]);
    const long: J[] = (await ok('baremetal', 'node', 'list', '--long', '-f', 'json')).json();
    assert.equal(long.find((n) => n.Name === 'n1')['Resource Class'], 'baremetal');
    assert.equal(long.find((n) => n.Name === 'n1')['Driver Info'].ipmi_password, '******');
    const fields: J[] = (
      await ok('baremetal', 'node', 'list', '--fields', 'uuid', 'driver', '-f', 'json')
    ).json();
    assert.deepEqual(Object.keys(fields[0]).sort(), ['Driver', 'UUID']);
    const filtered: J[] = (
      await ok('baremetal', 'node', 'list', '--resource-class', 'other', '-f', 'json')
    ).json();
    assert.deepEqual(
      filtered.map((n) => n.Name),
      ['n2'],
    );

    await ok(
      'baremetal',
      'node',
      'set',
      'n1',
      '--property',
      'capabilities=boot_mode:uefi',
      '--extra',
      'rack=r1',
      '--driver-info',
      'deploy_kernel=k1',
      '--description',
      'first node',
    );
    let n1 = await show('n1');
    assert.equal(n1.properties.capabilities, 'boot_mode:uefi');
    assert.equal(n1.extra.rack, 'r1');
    assert.equal(n1.driver_info.deploy_kernel, 'k1');
    assert.equal(n1.driver_info.ipmi_password, '******');
    await ok('baremetal', 'node', 'unset', 'n1', '--extra', 'rack', '--description');
    n1 = await show('n1');
    assert.deepEqual(n1.extra, {});
    assert.equal(n1.description, null);

    // Ports: by node name, MAC lower-cased; bad and duplicate MACs refused.
    const port: J = (
      await ok('baremetal', 'port', 'create', '52:54:00:AA:BB:01', '--node', created.uuid, '-f', 'json')
    ).json();
    assert.equal(port.address, '52:54:00:aa:bb:01');
    assert.equal(port.pxe_enabled, true);
    const badMac = await os('baremetal', 'port', 'create', '52:54:00:aa:bb', '--node', created.uuid);
    assert.notEqual(badMac.code, 0);
    assert.match(badMac.stderr, /MAC address|HTTP 400/);
    const dupMac = await os('baremetal', 'port', 'create', '52:54:00:aa:bb:01', '--node', created.uuid);
    assert.notEqual(dupMac.code, 0);
    assert.match(dupMac.stderr, /A port with MAC address 52:54:00:aa:bb:01 already exists.*HTTP 409/);
    const ports: J[] = (await ok('baremetal', 'port', 'list', '--node', 'n1', '-f', 'json')).json();
    assert.deepEqual(
      ports.map((p) => p.Address),
      ['52:54:00:aa:bb:01'],
    );
    await ok(
      'baremetal',
      'port',
      'create',
      '52:54:00:aa:bb:02',
      '--node',
      created.uuid,
      '--physical-network',
      'ctlplane',
      '--local-link-connection',
      'switch_id=00:11:22:33:44:55',
      '--local-link-connection',
      'port_id=Eth1',
    );
    const long2: J[] = (await ok('baremetal', 'port', 'list', '--node', 'n1', '--long', '-f', 'json')).json();
    const p2 = long2.find((p) => p.Address === '52:54:00:aa:bb:02');
    assert.equal(p2['Physical Network'], 'ctlplane');
    assert.equal(p2['Local Link Connection'].port_id, 'Eth1');
    await ok('baremetal', 'port', 'delete', port.uuid);
    assert.equal((await ok('baremetal', 'port', 'list', '--node', 'n1', '-f', 'json')).json<J[]>().length, 1);

    // Impossible transition: 400, nothing changed.
    const early = await os('baremetal', 'node', 'deploy', 'n1');
    assert.notEqual(early.code, 0);
    assert.match(early.stderr, /can not be performed on node .* while it is in state "enroll".*HTTP 400/);
    assert.equal((await show('n1')).provision_state, 'enroll');
  });

  test('every provision verb with --wait, maintenance, power, boot device, validate, drivers, allocation', async () => {
    await ok('baremetal', 'node', 'manage', 'n1', '--wait', '60');
    let n1 = await show('n1');
    assert.equal(n1.provision_state, 'manageable');
    assert.equal(n1.power_state, 'power off', 'verification read the power state');
    await ok('baremetal', 'node', 'inspect', 'n1', '--wait', '60');
    await ok(
      'baremetal',
      'node',
      'clean',
      'n1',
      '--clean-steps',
      '[{"interface": "deploy", "step": "erase_devices_metadata"}]',
      '--wait',
      '60',
    );
    assert.equal((await show('n1')).provision_state, 'manageable');
    await ok('baremetal', 'node', 'provide', 'n1', '--wait', '60');
    assert.equal((await show('n1')).provision_state, 'available');

    const validate: J[] = (await ok('baremetal', 'node', 'validate', 'n1', '-f', 'json')).json();
    const byIface = Object.fromEntries(validate.map((v) => [v.Interface, v]));
    assert.equal(byIface.power.Result, true);
    assert.equal(byIface.deploy.Result, true);
    assert.equal(byIface.console.Result, false);
    assert.match(byIface.console.Reason, /not support/);

    await ok('baremetal', 'node', 'power', 'on', 'n1');
    await waitFor(async () => (await show('n1')).power_state === 'power on');
    await ok('baremetal', 'node', 'power', 'off', 'n1', '--power-timeout', '10');
    await waitFor(async () => (await show('n1')).power_state === 'power off');
    await ok('baremetal', 'node', 'boot', 'device', 'set', 'n1', 'disk', '--persistent');
    const boot: J = (await ok('baremetal', 'node', 'boot', 'device', 'show', 'n1', '-f', 'json')).json();
    assert.deepEqual(boot, { boot_device: 'disk', persistent: true });
    const supported: J = (
      await ok('baremetal', 'node', 'boot', 'device', 'show', 'n1', '--supported', '-f', 'json')
    ).json();
    assert.ok(supported.supported_boot_devices.includes('pxe'));

    await ok('baremetal', 'node', 'maintenance', 'set', 'n1', '--reason', 'fan noise');
    n1 = await show('n1');
    assert.equal(n1.maintenance, true);
    assert.equal(n1.maintenance_reason, 'fan noise');
    const blocked = await os('baremetal', 'node', 'deploy', 'n1');
    assert.match(blocked.stderr, /maintenance.*HTTP 400/);
    await ok('baremetal', 'node', 'maintenance', 'unset', 'n1');
    assert.equal((await show('n1')).maintenance, false);

    const drivers: J[] = (await ok('baremetal', 'driver', 'list', '-f', 'json')).json();
    assert.deepEqual(drivers.map((d) => d['Supported driver(s)']).sort(), [
      'fake-hardware',
      'ipmi',
      'redfish',
      'sim',
    ]);
    const driver: J = (await ok('baremetal', 'driver', 'show', 'fake-hardware', '-f', 'json')).json();
    assert.equal(driver.default_power_interface, 'fake');

    const alloc: J = (
      await ok(
        'baremetal',
        'allocation',
        'create',
        '--resource-class',
        'baremetal',
        '--wait',
        '30',
        '-f',
        'json',
      )
    ).json();
    assert.equal(alloc.state, 'active');
    assert.equal(alloc.node_uuid, n1.uuid);
    const none: J = await os(
      'baremetal',
      'allocation',
      'create',
      '--resource-class',
      'baremetal',
      '--wait',
      '30',
    );
    assert.notEqual(none.code, 0, 'the only matching node is taken');
    assert.match(none.stderr, /No available nodes match the resource class baremetal/);
    assert.equal((await show('n1')).instance_uuid, alloc.uuid);
    await ok('baremetal', 'allocation', 'delete', alloc.uuid);
    assert.equal((await show('n1')).instance_uuid, null);

    await ok('baremetal', 'node', 'deploy', 'n1', '--wait', '60');
    n1 = await show('n1');
    assert.equal(n1.provision_state, 'active');
    assert.equal(n1.power_state, 'power on');
    await ok('baremetal', 'node', 'rebuild', 'n1', '--wait', '60');
    await ok('baremetal', 'node', 'undeploy', 'n1', '--wait', '60');
    n1 = await show('n1');
    assert.equal(n1.provision_state, 'available');
    assert.equal(n1.power_state, 'power off');

    // A deploy that waits for a call-back which never comes, then abort: deploy failed with last_error.
    await ok('baremetal', 'node', 'set', 'n1', '--driver-info', 'fake_wait=deploy');
    await ok('baremetal', 'node', 'deploy', 'n1');
    await waitFor(async () => (await show('n1')).provision_state === 'wait call-back');
    assert.equal((await show('n1')).target_provision_state, 'active');
    await ok('baremetal', 'node', 'abort', 'n1');
    n1 = await show('n1');
    assert.equal(n1.provision_state, 'deploy failed');
    assert.match(n1.last_error, /aborted/);
    await ok('baremetal', 'node', 'unset', 'n1', '--driver-info', 'fake_wait');
    await ok('baremetal', 'node', 'undeploy', 'n1', '--wait', '60');
    assert.equal((await show('n1')).provision_state, 'available');

    // A failing step: --wait fails and prints last_error.
    await ok('baremetal', 'node', 'set', 'n1', '--driver-info', 'fake_fail=deploy');
    const failed = await os('baremetal', 'node', 'deploy', 'n1', '--wait', '60');
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr + failed.stdout, /deploy failed/);
    n1 = await show('n1');
    assert.equal(n1.provision_state, 'deploy failed');
    assert.match(n1.last_error, /Deploy failed: fake-hardware: deploy failed/);

    const history: J[] = (await ok('baremetal', 'node', 'history', 'list', 'n1', '-f', 'json')).json();
    assert.ok(history.some((h) => /available -> deploying/.test(h['Description of the event'])));
    assert.ok(history.some((h) => h.Severity === 'ERROR'));

    // Delete: refused while deploy failed, allowed in maintenance.
    const del = await os('baremetal', 'node', 'delete', 'n2');
    assert.equal(del.code, 0, del.stderr);
    const del1 = await os('baremetal', 'node', 'delete', 'n1');
    assert.notEqual(del1.code, 0);
    assert.match(del1.stderr, /deploy failed/);
    await ok('baremetal', 'node', 'maintenance', 'set', 'n1');
    await ok('baremetal', 'node', 'delete', 'n1');
    assert.deepEqual((await ok('baremetal', 'node', 'list', '-f', 'json')).json(), []);
    assert.deepEqual((await ok('baremetal', 'port', 'list', '-f', 'json')).json(), []);
  });
});

/** Polls (the power action does not wait) until the condition holds, failing after a generous bound. */
async function waitFor(cond: () => Promise<boolean>, tries = 60) {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail('condition never held');
}
