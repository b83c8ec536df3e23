// validate of the ipmi and redfish interfaces as a table: driver_info in, the reasons (or none) out; and the
// defaults a new node of each hardware type gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateIpmi } from '../../src/baremetal/drivers/ipmi.ts';
import { validateRedfish } from '../../src/baremetal/drivers/redfish.ts';
import { newNode } from '../../src/baremetal/model/node-create.ts';

const init = {
  uuid: '8b2f3d2e-1111-4222-8333-444455556666',
  now: 'now',
  state: 'enroll' as const,
  defaultResourceClass: null,
};
const node = (driver: string, info: Record<string, unknown>) =>
  newNode({ driver, driver_info: info } as Parameters<typeof newNode>[0], 78, init);

describe('validate ipmi', () => {
  const cases: [Record<string, unknown>, RegExp | undefined][] = [
    [{ ipmi_address: '127.0.0.1' }, undefined],
    [
      { ipmi_address: 'bmc', ipmi_port: '6230', ipmi_cipher_suite: 17, ipmi_priv_level: 'OPERATOR' },
      undefined,
    ],
    [{}, /Missing the following IPMI credentials in node's driver_info: ipmi_address\./],
    [{ ipmi_address: 'x', ipmi_port: '70000' }, /ipmi_port must be an integer from 1 to 65535, not "70000"/],
    [{ ipmi_address: 'x', ipmi_cipher_suite: 'three' }, /ipmi_cipher_suite must be an integer from 0 to 17/],
    [{ ipmi_address: 'x', ipmi_priv_level: 'ROOT' }, /ipmi_priv_level must be one of ADMINISTRATOR/],
    [{ ipmi_address: 'x', ipmi_username: 5 }, /ipmi_username must be a string/],
  ];
  for (const [info, want] of cases)
    test(JSON.stringify(info), () => {
      const got = validateIpmi(node('ipmi', info));
      if (want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', want);
    });
});

describe('validate redfish', () => {
  const cases: [Record<string, unknown>, RegExp | undefined][] = [
    [{ redfish_address: 'https://bmc' }, undefined],
    [{ redfish_address: 'bmc', redfish_verify_ca: 'False', redfish_auth_type: 'basic' }, undefined],
    [
      {
        redfish_address: 'bmc',
        redfish_verify_ca: '/etc/ssl/ca.pem',
        redfish_system_id: '/redfish/v1/Systems/1',
      },
      undefined,
    ],
    [{}, /Missing the following Redfish credentials in node's driver_info: redfish_address\./],
    [{ redfish_address: 'b', redfish_system_id: 'Systems/1' }, /redfish_system_id must be a path/],
    [
      { redfish_address: 'b', redfish_verify_ca: 'ca.pem' },
      /redfish_verify_ca must be a boolean or an absolute path/,
    ],
    [
      { redfish_address: 'b', redfish_auth_type: 'token' },
      /redfish_auth_type must be one of auto, session, basic/,
    ],
  ];
  for (const [info, want] of cases)
    test(JSON.stringify(info), () => {
      const got = validateRedfish(node('redfish', info));
      if (want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', want);
    });
});

test('a new ipmi node gets ipmitool power and management; redfish gets redfish; both boot by iPXE and deploy direct', () => {
  const i = node('ipmi', {});
  assert.equal(i.interfaces.power, 'ipmitool');
  assert.equal(i.interfaces.management, 'ipmitool');
  const r = node('redfish', {});
  assert.equal(r.interfaces.power, 'redfish');
  assert.equal(r.interfaces.management, 'redfish');
  for (const n of [i, r]) {
    assert.equal(n.interfaces.boot, 'ipxe');
    assert.equal(n.interfaces.deploy, 'direct');
    assert.equal(n.interfaces.inspect, 'agent');
  }
});
