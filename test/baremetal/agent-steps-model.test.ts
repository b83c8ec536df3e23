// The pure parts of the agent-driven work: clean step plans, the image_info for write_image, and what an
// inventory sets on a node. Table-driven.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildImageInfo,
  type ImageFacts,
  imageRefusal,
  inventoryMacs,
  planCleanSteps,
  propertiesFromInventory,
} from '../../src/baremetal/model/agent-steps.ts';
import type { Dict } from '../../src/baremetal/model/node.ts';
import { maskInstanceInfo } from '../../src/baremetal/model/secrets.ts';

const OFFERED: Dict = {
  clean_steps: {
    GenericHardwareManager: [
      { step: 'erase_devices', priority: 10, interface: 'deploy', abortable: true },
      { step: 'erase_devices_metadata', priority: 99, interface: 'deploy', abortable: true },
      { step: 'erase_pstore', priority: 0, interface: 'deploy' },
    ],
  },
};

test('clean step plans', () => {
  const cases: [string, Dict[] | null, boolean, string[] | string][] = [
    ['automated: metadata only by default', null, false, ['erase_devices_metadata']],
    ['automated with full erase: priority order', null, true, ['erase_devices_metadata', 'erase_devices']],
    [
      'manual: the order given, args kept',
      [
        { interface: 'deploy', step: 'erase_pstore' },
        { interface: 'deploy', step: 'erase_devices', args: { iterations: 2 } },
      ],
      false,
      ['erase_pstore', 'erase_devices'],
    ],
    [
      'manual: an unknown step is refused',
      [{ interface: 'deploy', step: 'burnin_cpu' }],
      false,
      'burnin_cpu',
    ],
    ['manual: nothing asked, nothing run', [], false, []],
  ];
  for (const [name, manual, full, want] of cases) {
    const r = planCleanSteps(OFFERED, manual, full);
    if (typeof want === 'string') {
      assert.equal(r.ok, false, name);
      if (!r.ok) assert.match(r.reason, new RegExp(want), name);
    } else {
      assert.ok(r.ok, name);
      if (r.ok)
        assert.deepEqual(
          r.steps.map((s) => s.step),
          want,
          name,
        );
    }
  }
  const manual = planCleanSteps(
    OFFERED,
    [{ interface: 'deploy', step: 'erase_devices', args: { zeroize: false } }],
    false,
  );
  assert.ok(manual.ok && manual.steps[0]?.args.zeroize === false);
});

const IMAGE: ImageFacts = {
  id: 'img',
  disk_format: 'qcow2',
  container_format: 'bare',
  os_hash_algo: 'sha512',
  os_hash_value: 'ab'.repeat(64),
  status: 'active',
};

test('image ownership: which images a node may be deployed with', () => {
  const img = (visibility: string, owner = 'p1') => ({ ...IMAGE, visibility, owner });
  const node = (project?: string, owner: string | null = null, lessee: string | null = null) => ({
    instance_info: (project ? { project_id: project } : {}) as Dict,
    owner,
    lessee,
  });
  const cases: [string, ReturnType<typeof img>, ReturnType<typeof node>, boolean][] = [
    ['public, any project', img('public'), node('p2'), true],
    ['community, no project', img('community'), node(), true],
    ["private, the instance's project", img('private'), node('p1'), true],
    ['private, another project', img('private'), node('p2'), false],
    ['private, no project', img('private'), node(), false],
    ["private, the node's owner", img('private'), node(undefined, 'p1'), true],
    ["private, the node's lessee", img('private'), node('p2', null, 'p1'), true],
    ["private, this service's own project", img('private', 'svc'), node('p2'), true],
    ['shared, not the owner', img('shared'), node('p2'), false],
  ];
  for (const [name, image, n, ok] of cases)
    assert.equal(imageRefusal(image, n, 'svc') === undefined, ok, name);
  assert.match(
    imageRefusal(img('private'), node('p2'), 'svc') ?? '',
    /private to project p1; the deploy is for project p2/,
  );
});

test('image_info for write_image', () => {
  const hdr = { 'X-Auth-Token': 't' };
  const whole = buildImageInfo('n', {}, IMAGE, 'http://i/v2/images/img/file', hdr);
  assert.ok(whole.ok);
  if (whole.ok) {
    assert.deepEqual(whole.info.urls, ['http://i/v2/images/img/file']);
    assert.equal(whole.info.os_hash_value, IMAGE.os_hash_value);
    assert.equal(whole.info.image_type, undefined, 'whole-disk images carry no image_type');
    assert.deepEqual(whole.info.image_request_headers, hdr);
  }
  const part = buildImageInfo(
    'n',
    { image_type: 'partition', root_gb: 2, swap_mb: 64, ephemeral_gb: 1, preserve_ephemeral: true },
    IMAGE,
    'u',
    hdr,
  );
  assert.ok(part.ok);
  if (part.ok)
    assert.deepEqual(
      [
        part.info.image_type,
        part.info.root_mb,
        part.info.swap_mb,
        part.info.ephemeral_mb,
        part.info.preserve_ephemeral,
      ],
      ['partition', 2048, 64, 1024, true],
    );
  // preserve_ephemeral as the CLI stores it (`--instance-info preserve_ephemeral=true` is a string).
  for (const [given, want] of [
    [true, true],
    ['true', true],
    ['True', true],
    [false, false],
    ['false', false],
    [null, false],
  ] as const) {
    const ii: Dict = { image_type: 'partition', root_gb: 1, preserve_ephemeral: given };
    const r = buildImageInfo('n', ii, IMAGE, 'u', hdr);
    assert.equal(r.ok && r.info.preserve_ephemeral, want, `preserve_ephemeral ${String(given)}`);
  }
  const refusals: [string, Dict, Partial<ImageFacts>, RegExp][] = [
    ['no hash', {}, { os_hash_value: null }, /no os_hash_algo/],
    ['not active', {}, { status: 'queued' }, /queued, not active/],
    ['iso', {}, { disk_format: 'iso' }, /raw or qcow2 only/],
    ['partition without root_gb', { image_type: 'partition' }, {}, /root_gb/],
    ['kernel_id means partition', {}, { kernel_id: 'k' }, /root_gb/],
  ];
  for (const [name, ii, change, want] of refusals) {
    const r = buildImageInfo('n', ii, { ...IMAGE, ...change }, 'u', hdr);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.reason, want, name);
  }
});

test('properties and MACs from an inventory', () => {
  const inv: Dict = {
    cpu: { count: 8, architecture: 'aarch64' },
    memory: { total: 17179869184, physical_mb: 16384 },
    disks: [
      { name: '/dev/sda', size: 10 * 1024 ** 3 },
      { name: '/dev/sdb', size: 500 * 1024 ** 3 },
    ],
    interfaces: [{ mac_address: '52:54:00:AA:BB:CC' }, { name: 'lo' }],
  };
  assert.deepEqual(propertiesFromInventory(inv, undefined), {
    cpus: 8,
    cpu_arch: 'aarch64',
    memory_mb: 16384,
    local_gb: 10,
  });
  assert.equal(propertiesFromInventory(inv, '/dev/sdb').local_gb, 500);
  assert.equal(propertiesFromInventory({ memory: { total: 2 * 1024 ** 3 } }, undefined).memory_mb, 2048);
  assert.deepEqual(inventoryMacs(inv), ['52:54:00:aa:bb:cc']);
});

test('the config drive is masked in instance_info', () => {
  assert.deepEqual(maskInstanceInfo({ image_source: 'x', configdrive: 'H4sI...' }), {
    image_source: 'x',
    configdrive: '******',
  });
});
