// The network boot's data: script names, the deploy ramdisk's script and kernel line, the disk script, the
// DHCP options of each boot interface, and how driver_info names the deploy kernel and ramdisk.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dict } from '../../src/baremetal/model/node.ts';
import {
  bootDhcpOpts,
  bootFileSource,
  diskScript,
  macFileName,
  ramdiskScript,
  scriptUrl,
  validateBootInfo,
} from '../../src/baremetal/model/pxe.ts';

const urls = { api: 'http://192.0.2.1:6385' };
const NODE = '0f3d8c2e-5a8b-4c1e-9d7a-3b2c1d0e9f8a';

describe('network boot model', () => {
  for (const [mac, want] of [
    ['52:54:00:AB:cd:01', '52-54-00-ab-cd-01'],
    ['52:54:00:00:00:00', '52-54-00-00-00-00'],
  ] as const)
    test(`script name of ${mac}`, () => assert.equal(macFileName(mac), want));

  test('the script URL is under /boot of the API as the node reaches it', () =>
    assert.equal(scriptUrl(urls, '52:54:00:ab:cd:01'), 'http://192.0.2.1:6385/boot/52-54-00-ab-cd-01.ipxe'));

  test('the ramdisk script fetches kernel and initrd with the agent arguments', () => {
    const s = ramdiskScript(urls, NODE, { kernel_append_params: 'ipa-debug=1' });
    const lines = s.split('\n');
    assert.equal(lines[0], '#!ipxe');
    const kernel = lines.find((l) => l.startsWith('kernel '));
    assert.ok(kernel?.startsWith(`kernel http://192.0.2.1:6385/boot/${NODE}/deploy_kernel `));
    for (const arg of [
      'console=ttyS0,115200',
      'ipa-api-url=http://192.0.2.1:6385',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an iPXE variable
      'BOOTIF=${mac}',
      'ipa-debug=1',
    ])
      assert.ok(kernel?.split(' ').includes(arg), arg);
    assert.ok(
      lines.includes(
        `initrd --name deploy_ramdisk http://192.0.2.1:6385/boot/${NODE}/deploy_ramdisk || goto failed`,
      ),
    );
    assert.ok(lines.includes('boot || goto failed'));
  });

  test('the disk script leaves iPXE for the next boot device', () =>
    assert.ok(diskScript(NODE).split('\n').includes('exit 0')));

  const cases: [string, 'ipxe' | 'pxe', { api: string; tftpServer?: string }, [string, string][] | RegExp][] =
    [
      [
        'ipxe: only iPXE clients get the script',
        'ipxe',
        urls,
        [['tag:ipxe,67', 'http://192.0.2.1:6385/boot/52-54-00-00-00-01.ipxe']],
      ],
      [
        'pxe: plain firmware chains to undionly.kpxe from the DHCP server',
        'pxe',
        urls,
        [
          ['tag:ipxe,67', 'http://192.0.2.1:6385/boot/52-54-00-00-00-01.ipxe'],
          ['tag:!ipxe,67', 'undionly.kpxe'],
        ],
      ],
      [
        'pxe with a TFTP server elsewhere names it',
        'pxe',
        { ...urls, tftpServer: '192.0.2.5' },
        [
          ['tag:ipxe,67', 'http://192.0.2.1:6385/boot/52-54-00-00-00-01.ipxe'],
          ['tag:!ipxe,67', 'undionly.kpxe'],
          ['66', '192.0.2.5'],
          ['150', '192.0.2.5'],
        ],
      ],
    ];
  for (const [name, kind, u, want] of cases)
    test(name, () =>
      assert.deepEqual(
        bootDhcpOpts(kind, u, '52:54:00:00:00:01').map((o) => [o.opt_name, o.opt_value]),
        want,
      ),
    );

  const sources: [unknown, ReturnType<typeof bootFileSource>][] = [
    ['/var/lib/deploy.kernel', { kind: 'path', path: '/var/lib/deploy.kernel' }],
    ['file:///var/lib/deploy%20k', { kind: 'path', path: '/var/lib/deploy k' }],
    ['3e2f7a1c-0000-4000-8000-000000000001', { kind: 'image', id: '3e2f7a1c-0000-4000-8000-000000000001' }],
    ['http://example.invalid/k', undefined],
    ['', undefined],
    [42, undefined],
  ];
  for (const [v, want] of sources)
    test(`deploy file ${JSON.stringify(v)}`, () => assert.deepEqual(bootFileSource(v), want));

  const infos: [Dict, RegExp | undefined][] = [
    [{ deploy_kernel: '/k', deploy_ramdisk: '/r' }, undefined],
    [{ deploy_kernel: '/k' }, /Missing are: \["deploy_ramdisk"\]/],
    [{}, /Missing are: \["deploy_kernel","deploy_ramdisk"\]/],
    [{ deploy_kernel: 'http://x/k', deploy_ramdisk: '/r' }, /deploy_kernel "http:\/\/x\/k": give an image/],
  ];
  for (const [info, want] of infos)
    test(`validate ${JSON.stringify(info)}`, () => {
      const p = validateBootInfo(info);
      if (want) assert.match(p ?? '', want);
      else assert.equal(p, undefined);
    });
});
