// Table-driven tests of the servers' pure logic: status from vm_state × task_state, which action may start
// where, the placement filter over bare metal nodes, and the create body's checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BaremetalNode, nodeFrom, parseCapabilities } from '../../src/compute/model/baremetal-node.ts';
import { candidates, flavorNeeds, placementClass } from '../../src/compute/model/placement.ts';
import { accessIp, parseServerCreate } from '../../src/compute/model/server-input.ts';
import {
  type ServerAction,
  startAction,
  statusOf,
  type TaskState,
  type VmState,
  vmStatesOfStatus,
} from '../../src/compute/model/server-state.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';

describe('server status from vm_state and task_state (Nova _STATE_MAP)', () => {
  const cases: [VmState, TaskState, string][] = [
    ['building', 'scheduling', 'BUILD'],
    ['building', 'spawning', 'BUILD'],
    ['building', 'deleting', 'BUILD'],
    ['active', null, 'ACTIVE'],
    ['active', 'deleting', 'ACTIVE'],
    ['active', 'rebooting', 'REBOOT'],
    ['active', 'rebooting_hard', 'HARD_REBOOT'],
    ['active', 'powering-off', 'ACTIVE'],
    ['active', 'rebuilding', 'REBUILD'],
    ['stopped', 'rebuild_spawning', 'REBUILD'],
    ['stopped', null, 'SHUTOFF'],
    ['stopped', 'powering-on', 'SHUTOFF'],
    ['error', null, 'ERROR'],
    ['error', 'rebooting_hard', 'ERROR'],
  ];
  for (const [vm, task, want] of cases)
    test(`${vm}/${task} → ${want}`, () => assert.equal(statusOf(vm, task), want));
  test('status filters back to vm_states', () => {
    assert.deepEqual(vmStatesOfStatus('active'), ['active']);
    assert.deepEqual(vmStatesOfStatus('SHUTOFF'), ['stopped']);
    assert.equal(vmStatesOfStatus('NOPE'), undefined);
  });
});

describe('which action may start from which state', () => {
  const cases: [ServerAction, VmState, TaskState, string][] = [
    ['reboot', 'active', null, 'rebooting'],
    ['reboot', 'stopped', null, "409 Cannot 'reboot' instance i while it is in vm_state stopped"],
    ['reboot_hard', 'stopped', null, 'rebooting_hard'],
    ['reboot_hard', 'error', null, 'rebooting_hard'],
    ['stop', 'active', null, 'powering-off'],
    ['stop', 'stopped', null, "409 Cannot 'stop' instance i while it is in vm_state stopped"],
    ['start', 'stopped', null, 'powering-on'],
    ['start', 'active', null, "409 Cannot 'start' instance i while it is in vm_state active"],
    ['rebuild', 'error', null, 'rebuilding'],
    ['rebuild', 'building', 'spawning', "409 Cannot 'rebuild' instance i while it is in task_state spawning"],
    ['stop', 'active', 'deleting', "409 Cannot 'stop' instance i while it is in task_state deleting"],
  ];
  for (const [action, vm, task, want] of cases)
    test(`${action} from ${vm}/${task}`, () => {
      let got: string;
      try {
        got = String(startAction(action, 'i', vm, task));
      } catch (e) {
        assert.ok(isAppError(e));
        got = `${e.status} ${e.message}`;
      }
      assert.equal(got, want);
    });
});

describe('placement over bare metal nodes', () => {
  const node = (over: Partial<Record<string, unknown>> & { uuid: string }): BaremetalNode =>
    nodeFrom({
      provision_state: 'available',
      maintenance: false,
      instance_uuid: null,
      resource_class: 'baremetal',
      traits: [],
      properties: { cpus: '4', capabilities: 'profile:compute,boot_mode:uefi' },
      ...over,
    });
  const pool = [
    node({ uuid: 'a' }),
    node({ uuid: 'b', provision_state: 'active', instance_uuid: 'x' }),
    node({ uuid: 'c', maintenance: true }),
    node({ uuid: 'd', resource_class: 'gold' }),
    node({ uuid: 'e', traits: ['CUSTOM_RAID'] }),
    node({ uuid: 'f', properties: { capabilities: 'profile:control' } }),
    node({ uuid: 'g', resource_class: 'bare-metal' }),
  ];
  const cases: [string, Record<string, string>, string[], string[]][] = [
    ['the resource class, normalised', { 'resources:CUSTOM_BAREMETAL': '1' }, [], ['a', 'e', 'f']],
    ['dashes become underscores', { 'resources:CUSTOM_BARE_METAL': '1' }, [], ['g']],
    ['a zero amount asks nothing', { 'resources:CUSTOM_BAREMETAL': '0' }, [], []],
    ['required trait', { 'resources:CUSTOM_BAREMETAL': '1', 'trait:CUSTOM_RAID': 'required' }, [], ['e']],
    [
      'forbidden trait',
      { 'resources:CUSTOM_BAREMETAL': '1', 'trait:CUSTOM_RAID': 'forbidden' },
      [],
      ['a', 'f'],
    ],
    ['capability', { 'resources:CUSTOM_BAREMETAL': '1', 'capabilities:profile': 'control' }, [], ['f']],
    [
      's== capability',
      { 'resources:CUSTOM_BAREMETAL': '1', 'capabilities:boot_mode': 's== uefi' },
      [],
      ['a', 'e'],
    ],
    ['excluded nodes', { 'resources:CUSTOM_BAREMETAL': '1' }, ['a', 'e'], ['f']],
    ['no resource class: nothing', { 'resources:VCPU': '0' }, [], []],
  ];
  for (const [name, specs, exclude, want] of cases)
    test(name, () =>
      assert.deepEqual(
        candidates(pool, flavorNeeds(specs), new Set(exclude)).map((n) => n.uuid),
        want,
      ),
    );
  test('class names and capabilities strings', () => {
    assert.equal(placementClass('baremetal'), 'CUSTOM_BAREMETAL');
    assert.equal(placementClass('CUSTOM_GOLD'), 'CUSTOM_GOLD');
    assert.deepEqual(parseCapabilities('a:1, b : 2,bad'), { a: '1', b: '2' });
    assert.deepEqual(parseCapabilities({ a: 1 }), { a: '1' });
  });
});

describe('the create body', () => {
  const base = { name: 's', imageRef: 'http://h/images/img', flavorRef: 'f' };
  const ok = (extra: Record<string, unknown>, hints?: unknown, minor = 1) =>
    parseServerCreate({ ...base, ...extra }, hints, minor);
  const refused = (extra: Record<string, unknown>, message: RegExp, minor = 1) =>
    assert.throws(
      () => ok(extra, undefined, minor),
      (e: unknown) => isAppError(e) && e.status === 400 && message.test(e.message),
    );
  test('defaults and links', () => {
    const r = ok({});
    assert.deepEqual(
      [r.imageRef, r.flavorRef, r.minCount, r.maxCount, r.configDrive],
      ['img', 'f', 1, 1, false],
    );
    assert.equal(r.networks, undefined);
  });
  const table: [string, Record<string, unknown>, RegExp, number?][] = [
    ['bad base64', { user_data: 'a$b=' }, /User data needs to be valid base 64/],
    [
      'a security group but default',
      { security_groups: [{ name: 'web' }] },
      /Security group web cannot be applied/,
    ],
    ['security groups not a list', { security_groups: 'default' }, /is not of type 'array'/],
    ['disk config', { 'OS-DCF:diskConfig': 'SOMETIMES' }, /is not one of \['AUTO', 'MANUAL'\]/],
    ['unknown key', { flavour: 'x' }, /'flavour' was unexpected/],
    ['min above max', { min_count: 3, max_count: 2 }, /min_count must be <= max_count/],
    ['zero count', { min_count: 0 }, /less than the minimum of 1/],
    ['metadata value type', { metadata: { a: 1 } }, /is not of type 'string'/],
    ['networks not a list', { networks: 'x' }, /is not of type 'array'/],
    ['network without uuid or port', { networks: [{ fixed_ip: '10.0.0.1' }] }, /Bad networks format/],
    ['bad fixed ip', { networks: [{ uuid: 'n', fixed_ip: 'x' }] }, /Invalid fixed IP address/],
    ['tags before 2.52', { tags: ['a'] }, /'tags' was unexpected/],
    ['description before 2.19', { description: 'd' }, /'description' was unexpected/],
    ['a tag with a slash', { tags: ['a/b'] }, /Invalid tag/, 52],
    ['volumes', { block_device_mapping_v2: [] }, /no volume service/],
    ['empty image', { imageRef: '' }, /Invalid imageRef provided/],
  ];
  for (const [name, extra, message, minor] of table) test(name, () => refused(extra, message, minor));
  test('accepted values', () => {
    const r = ok(
      {
        user_data: Buffer.from('#!/bin/sh\n').toString('base64'),
        config_drive: 'True',
        metadata: { role: 'web' },
        min_count: '2',
        max_count: 3,
        networks: 'none',
        tags: ['x', 'x'],
      },
      { group: 'g1', other: 1 },
      52,
    );
    assert.equal(r.userData?.toString(), '#!/bin/sh\n');
    assert.deepEqual([r.configDrive, r.minCount, r.maxCount, r.group], [true, 2, 3, 'g1']);
    assert.deepEqual(r.networks, []);
    assert.deepEqual(r.tags, ['x']);
  });
});

describe('access IPs as Nova checks and shows them', () => {
  const cases: ['accessIPv4' | 'accessIPv6', unknown, string | undefined | RegExp][] = [
    ['accessIPv4', undefined, undefined],
    ['accessIPv4', null, ''],
    ['accessIPv4', '', ''],
    ['accessIPv4', '192.0.2.10', '192.0.2.10'],
    ['accessIPv4', '192.0.2.300', /is not a 'ipv4'/],
    ['accessIPv4', '::1', /is not a 'ipv4'/],
    ['accessIPv4', 4, /is not of type 'string'/],
    ['accessIPv6', '2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['accessIPv6', '0000:0000:0000:0000:0000:babe:220.12.22.2', '::babe:dc0c:1602'],
    ['accessIPv6', '192.0.2.1', /is not a 'ipv6'/],
    ['accessIPv6', '2001:db8::g', /is not a 'ipv6'/],
  ];
  for (const [k, v, want] of cases)
    test(`${k} ${JSON.stringify(v)}`, () => {
      if (want instanceof RegExp)
        assert.throws(
          () => accessIp(k, v),
          (e) => isAppError(e) && e.status === 400 && want.test(e.message),
        );
      else assert.equal(accessIp(k, v), want);
    });
});
