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
    [
      'YAML text in a file not named .yaml',
      'nodes:\n  - driver: ipmi',
      /not JSON .*ends in \.yaml or \.yml$/s,
    ],
  ];
  for (const [name, input, re] of refusals)
    test(name, () => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      assert.throws(
        () => parseNodesFile(text, 'nodes.json'),
        (e) => e instanceof NodesFileError && re.test(e.message),
      );
    });
});

// Ironic's `openstack baremetal create nodes.yaml` reads the file with PyYAML's safe_load: the same
// entries, in YAML 1.1 (unquoted yes is a boolean, digits-and-colons a base-60 number).
describe('YAML nodes files', () => {
  const bulk = [
    'nodes:',
    '  - name: n0',
    '    driver: ipmi',
    '    driver_info:',
    '      ipmi_address: 192.0.2.10',
    '      ipmi_port: 6230',
    "      ipmi_password: 'yes'",
    '    properties: {cpus: 2, memory_mb: 2048, local_gb: 20, cpu_arch: x86_64}',
    '    ports:',
    '      - address: 52:54:00:AA:BB:01',
    '',
  ].join('\n');
  const cases: [string, string, string, unknown][] = [
    [
      'Ironic bulk YAML is the same as its JSON',
      'nodes.yaml',
      bulk,
      parseNodesFile(
        JSON.stringify({
          nodes: [
            {
              name: 'n0',
              driver: 'ipmi',
              driver_info: { ipmi_address: '192.0.2.10', ipmi_port: 6230, ipmi_password: 'yes' },
              properties: { cpus: 2, memory_mb: 2048, local_gb: 20, cpu_arch: 'x86_64' },
              ports: [{ address: '52:54:00:AA:BB:01' }],
            },
          ],
        }),
        'nodes.json',
      ),
    ],
    [
      'devtest entries as a bare YAML list, .yml',
      'instackenv.YML',
      [
        '- pm_type: pxe_ipmitool',
        '  pm_addr: 192.0.2.10',
        '  pm_user: admin',
        '  pm_password: pw',
        "  mac: ['52:54:00:12:34:56']",
        '  cpu: 2',
        '  memory: 2048',
        '  disk: 20',
        '  arch: amd64',
        '',
      ].join('\n'),
      parseNodesFile(
        JSON.stringify([devtest({ mac: ['52:54:00:12:34:56'], cpu: 2, memory: 2048, disk: 20 })]),
        'x.json',
      ),
    ],
    ['an empty YAML file has no nodes list', 'empty.yaml', '', 'error'],
  ];
  for (const [name, file, text, want] of cases)
    test(name, () => {
      if (want === 'error') assert.throws(() => parseNodesFile(text, file), NodesFileError);
      else assert.deepEqual(parseNodesFile(text, file), want);
    });

  const refusals: [string, string, RegExp][] = [
    [
      'a YAML syntax error names its line',
      'nodes:\n  - driver: ipmi\n  name: [x\n',
      /^not valid YAML at line \d+: /,
    ],
    ['a tab as indentation, as PyYAML refuses', 'nodes:\n\t- driver: ipmi\n', /^not valid YAML at line 2: /],
    [
      'an unquoted MAC of digits is a base-60 number in YAML 1.1',
      'nodes:\n  - driver: fake-hardware\n    ports: [{address: 52:54:00:12:34:56}]\n',
      /is not a MAC address \(in YAML, quote a MAC/,
    ],
    ['chassis are refused in YAML too', 'chassis: []\nnodes: []\n', /unsupported top-level key\(s\) chassis/],
  ];
  for (const [name, text, re] of refusals)
    test(name, () =>
      assert.throws(
        () => parseNodesFile(text, 'nodes.yaml'),
        (e) => e instanceof NodesFileError && re.test(e.message),
      ),
    );
});
