// The nodes file mapping of `ooo node import`, as a table: devtest entries and Ironic bulk entries in,
// POST /v1/nodes bodies and MACs out; refusals with the reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodesFileError, parseNodesFile } from '../../src/baremetal/model/nodes-file.ts';

const devtest = (extra: Record<string, unknown>) => ({
  pm_type: 'pxe_ipmitool',
  pm_addr: '192.0.2.10',
  pm_user: 'admin',
  pm_password: 'pw',
  mac: ['52:54:00:AA:BB:01'],
  cpu: '2',
  memory: '2048',
  disk: '20',
  arch: 'amd64',
  ...extra,
});

describe('nodes file mapping', () => {
  const cases: [string, unknown, unknown][] = [
    [
      'devtest pxe_ipmitool → ipmi, properties as numbers, MAC lower-cased',
      { nodes: [devtest({ pm_port: '6230', name: 'n0' })] },
      [
        {
          label: 'n0',
          macs: ['52:54:00:aa:bb:01'],
          body: {
            driver: 'ipmi',
            name: 'n0',
            driver_info: {
              ipmi_address: '192.0.2.10',
              ipmi_port: 6230,
              ipmi_username: 'admin',
              ipmi_password: 'pw',
            },
            properties: { cpus: 2, memory_mb: 2048, local_gb: 20, cpu_arch: 'amd64' },
          },
        },
      ],
    ],
    [
      'devtest redfish with a scheme keeps its address and takes the system id',
      [
        devtest({
          pm_type: 'redfish',
          pm_addr: 'http://127.0.0.1:8000',
          pm_port: '8000',
          pm_system_id: '/redfish/v1/Systems/x',
        }),
      ],
      [
        {
          label: '52:54:00:aa:bb:01',
          macs: ['52:54:00:aa:bb:01'],
          body: {
            driver: 'redfish',
            driver_info: {
              redfish_address: 'http://127.0.0.1:8000',
              redfish_system_id: '/redfish/v1/Systems/x',
              redfish_username: 'admin',
              redfish_password: 'pw',
            },
            properties: { cpus: 2, memory_mb: 2048, local_gb: 20, cpu_arch: 'amd64' },
          },
        },
      ],
    ],
    [
      'devtest redfish without a scheme: https with the port',
      [devtest({ pm_type: 'redfish', pm_addr: 'bmc.example', pm_port: 8443, cpu: 1, memory: 1, disk: 1 })],
      'https://bmc.example:8443',
    ],
    [
      'Ironic bulk: fields kept, ports become MACs',
      {
        nodes: [
          {
            driver: 'fake-hardware',
            name: 'f1',
            properties: { cpus: 1 },
            ports: [{ address: 'AA:BB:CC:DD:EE:FF' }],
          },
        ],
      },
      [
        {
          label: 'f1',
          macs: ['aa:bb:cc:dd:ee:ff'],
          body: { driver: 'fake-hardware', name: 'f1', properties: { cpus: 1 } },
        },
      ],
    ],
  ];
  for (const [name, input, want] of cases)
    test(name, () => {
      const got = parseNodesFile(JSON.stringify(input));
      if (typeof want === 'string')
        assert.equal(
          got[0]?.body.driver_info && (got[0].body.driver_info as Record<string, unknown>).redfish_address,
          want,
        );
      else assert.deepEqual(got, want);
    });

  const refusals: [string, unknown, RegExp][] = [
    [
      'pxe_ssh is refused with what to use instead',
      [devtest({ pm_type: 'pxe_ssh' })],
      /pxe_ssh .*removed.*pxe_ipmitool or redfish/,
    ],
    [
      'an unknown pm_type names the known ones',
      [devtest({ pm_type: 'pxe_drac' })],
      /unknown pm_type "pxe_drac" \(known: pxe_ipmitool/,
    ],
    ['a bad MAC', [devtest({ mac: ['nope'] })], /"nope" is not a MAC address/],
    [
      'a MAC listed twice',
      [devtest({ name: 'a' }), devtest({ name: 'b' })],
      /MAC 52:54:00:aa:bb:01 is listed for both a and b/,
    ],
    [
      'a name used twice',
      [devtest({ name: 'a' }), devtest({ name: 'a', mac: ['52:54:00:aa:bb:02'] })],
      /the name a is used twice/,
    ],
    ['no MAC and no name', [{ driver: 'fake-hardware' }], /give it a MAC or a name/],
    ['ipmi without pm_addr', [devtest({ pm_addr: '' })], /pm_addr is required/],
    ['memory not a number', [devtest({ memory: '2G' })], /memory must be a whole number/],
    ['neither format', [{ foo: 1 }], /neither pm_type \(devtest\) nor driver \(Ironic\)/],
    ['chassis are not read', { chassis: [], nodes: [] }, /unsupported top-level key\(s\) chassis/],
    ['not JSON', 'nodes:\n  - driver: ipmi', /not JSON/],
  ];
  for (const [name, input, re] of refusals)
    test(name, () => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      assert.throws(
        () => parseNodesFile(text),
        (e) => e instanceof NodesFileError && re.test(e.message),
      );
    });
});
