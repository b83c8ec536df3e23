// Table-driven tests of the compute service's pure logic: microversions, flavors, keypairs, quotas, groups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExtraSpecs, parseFlavorCreate } from '../../src/compute/model/flavor.ts';
import { colonHex, keypairName, sshFingerprint } from '../../src/compute/model/keypair.ts';
import { negotiate } from '../../src/compute/model/microversion.ts';
import {
  absoluteLimits,
  belowUsage,
  parseQuotaUpdate,
  quotaClassKeys,
  quotaKeys,
} from '../../src/compute/model/quotas.ts';
import { parseServerGroupCreate } from '../../src/compute/model/server-group.ts';

const v = (minor: number) => ({ major: 2, minor });

describe('microversion negotiation', () => {
  const cases: [string | undefined, string | undefined, string][] = [
    [undefined, undefined, '2.1'],
    ['compute 2.61', undefined, '2.61'],
    [undefined, '2.10', '2.10'],
    ['compute 2.47', '2.1', '2.47'], // the modern header wins
    ['volume 3.0, compute 2.53', undefined, '2.53'],
    ['compute latest', undefined, '2.79'],
    [undefined, 'latest', '2.79'],
    ['compute 2.80', undefined, '406'],
    ['compute 2.0', undefined, '406'],
    ['compute 3.1', undefined, '406'],
    ['compute two', undefined, '400'],
    [undefined, '2.x', '400'],
  ];
  for (const [modern, legacy, want] of cases)
    test(`${modern ?? '-'} / ${legacy ?? '-'} → ${want}`, () => {
      const n = negotiate(modern, legacy);
      assert.equal(n.ok ? `${n.version.major}.${n.version.minor}` : String(n.status), want);
    });
});

describe('flavor bodies', () => {
  const base = { name: 'bm', ram: 1024, vcpus: 1, disk: 10 };
  const ok: [Record<string, unknown>, Record<string, unknown>][] = [
    [base, { id: undefined, swap: 0, ephemeral: 0, rxtx_factor: 1, is_public: true }],
    [
      { ...base, id: null, ram: '2048' },
      { id: undefined, ram: 2048 },
    ],
    [{ ...base, id: 'auto' }, { id: undefined }],
    [{ ...base, id: 42 }, { id: '42' }],
    [
      { ...base, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 5 },
      { swap: 0, ephemeral: 5 },
    ],
    [{ ...base, 'os-flavor-access:is_public': false }, { is_public: false }],
    [{ ...base, 'os-flavor-access:is_public': 'False' }, { is_public: false }],
    [{ ...base, 'os-flavor-access:is_public': 'True' }, { is_public: true }],
  ];
  for (const [body, want] of ok)
    test(`accepts ${JSON.stringify(body)}`, () => {
      const got = parseFlavorCreate(body, true) as unknown as Record<string, unknown>;
      for (const [k, w] of Object.entries(want)) assert.deepEqual(got[k], w, k);
    });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...base, ram: 0 }, /less than the minimum of 1/],
    [{ ...base, vcpus: 1.5 }, /not of type 'integer'/],
    [{ ...base, disk: -1 }, /minimum of 0/],
    [{ ...base, name: ' lead' }, /whitespace/],
    [{ ...base, name: '' }, /1 to 255/],
    [{ ...base, id: 'a/b' }, /flavor id/],
    [{ ...base, rxtx_factor: 0 }, /greater than 0/],
    [{ ...base, colour: 'red' }, /'colour' was unexpected/],
    [{ name: 'x', ram: 1, vcpus: 1 }, /'disk' is a required property/],
    [{ ...base, 'os-flavor-access:is_public': 'maybe' }, /boolean/],
  ];
  for (const [body, want] of bad)
    test(`refuses ${JSON.stringify(body)}`, () => assert.throws(() => parseFlavorCreate(body, true), want));
  test('description only from 2.55', () => {
    assert.throws(
      () => parseFlavorCreate({ ...base, description: 'd' }, false),
      /'description' was unexpected/,
    );
    assert.equal(parseFlavorCreate({ ...base, description: 'd' }, true).description, 'd');
  });
  test('extra specs: strings kept, numbers stringified, bad keys and values refused', () => {
    assert.deepEqual(parseExtraSpecs({ 'resources:CUSTOM_BAREMETAL': '1', 'resources:VCPU': 0 }), {
      'resources:CUSTOM_BAREMETAL': '1',
      'resources:VCPU': '0',
    });
    assert.throws(() => parseExtraSpecs({ 'a/b': '1' }), /not a valid extra spec key/);
    assert.throws(() => parseExtraSpecs({ k: true }), /not of type/);
    assert.throws(() => parseExtraSpecs({ k: 'x'.repeat(256) }), /at most 255/);
    assert.throws(() => parseExtraSpecs(['k']), /must be an object/);
  });
});

describe('keypairs', () => {
  // A known vector: ssh-keygen -l -E md5 on this key prints d1:46:...:6a.
  const ed = 'AAAAC3NzaC1lZDI1NTE5AAAAIGtX6gTx2bW2Ho2vIMeV3j3Pq8zQn3ULnJPaKTJy2y1H';
  test('fingerprint is what ssh-keygen -E md5 prints', () => {
    assert.equal(
      sshFingerprint(`ssh-ed25519 ${ed} me@host`),
      'd1:46:f8:c5:32:f2:1f:cb:ff:de:8d:8e:09:e6:bc:6a',
    );
    assert.equal(colonHex(Buffer.from([0, 15, 255])), '00:0f:ff');
  });
  const bad: [string, RegExp][] = [
    ['ssh-ed25519', /failed to read/],
    ['ssh-foo AAAA', /unsupported key type/],
    [`ssh-rsa ${ed}`, /does not match its type/],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAQA=', /32 bytes/],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtX', /failed to read/],
    ['ssh-ed25519 !!!!', /not valid base64/],
  ];
  for (const [line, want] of bad)
    test(`refuses ${line.slice(0, 40)}`, () => assert.throws(() => sshFingerprint(line), want));
  const names: [unknown, boolean][] = [
    ['default', true],
    ['my key.1_2-3', true],
    [' lead', false],
    ['trail ', false],
    ['', false],
    ['a/b', false],
    [7, false],
  ];
  for (const [name, ok] of names)
    test(`name ${JSON.stringify(name)} ${ok ? 'ok' : 'refused'}`, () =>
      ok ? assert.equal(keypairName(name), name) : assert.throws(() => keypairName(name), /Keypair names/));
});

describe('quotas', () => {
  test('quota class keys: server groups from 2.50 as network keys go; files go at 2.57', () => {
    assert.ok(
      quotaClassKeys(v(49)).includes('floating_ips') && !quotaClassKeys(v(49)).includes('server_groups'),
    );
    assert.ok(
      !quotaClassKeys(v(50)).includes('floating_ips') && quotaClassKeys(v(50)).includes('server_groups'),
    );
    assert.ok(
      quotaClassKeys(v(56)).includes('injected_files') && !quotaClassKeys(v(57)).includes('injected_files'),
    );
  });
  test('keys by version: network keys go at 2.36, file keys at 2.57', () => {
    assert.ok(quotaKeys(v(1)).includes('floating_ips'));
    assert.ok(!quotaKeys(v(36)).includes('floating_ips'));
    assert.ok(quotaKeys(v(56)).includes('injected_files'));
    assert.ok(!quotaKeys(v(57)).includes('injected_files'));
    assert.ok(quotaKeys(v(79)).includes('server_group_members'));
  });
  const updates: [Record<string, unknown>, number, Record<string, number> | RegExp][] = [
    [{ cores: 100, instances: '50', ram: -1 }, 1, { cores: 100, instances: 50, ram: -1 }],
    [{ cores: -2 }, 1, /integer from -1/],
    [{ cores: 1.5 }, 1, /integer from -1/],
    [{ floating_ips: 3 }, 36, /'floating_ips' was unexpected/],
    [{ injected_files: 3 }, 57, /'injected_files' was unexpected/],
    [{ bogus: 1 }, 1, /'bogus' was unexpected/],
  ];
  for (const [body, minor, want] of updates)
    test(`update ${JSON.stringify(body)} at 2.${minor}`, () => {
      if (want instanceof RegExp) assert.throws(() => parseQuotaUpdate(body, v(minor)), want);
      else assert.deepEqual(parseQuotaUpdate(body, v(minor)).limits, want);
    });
  test('limits below usage refused; -1 never', () => {
    assert.match(
      belowUsage({ key_pairs: 1 }, { key_pairs: 2 }) ?? '',
      /must be greater than or equal to already used and reserved 2/,
    );
    assert.equal(belowUsage({ key_pairs: -1 }, { key_pairs: 2 }), undefined);
    assert.equal(belowUsage({ key_pairs: 2 }, { key_pairs: 2 }), undefined);
  });
  test('absolute limits change keys with the version', () => {
    const limits = { metadata_items: 128, injected_files: 5, security_groups: -1 };
    assert.ok('maxPersonality' in absoluteLimits(v(1), limits, {}));
    assert.ok('maxSecurityGroups' in absoluteLimits(v(1), limits, {}));
    assert.ok(!('maxSecurityGroups' in absoluteLimits(v(36), limits, {})));
    assert.ok('maxImageMeta' in absoluteLimits(v(38), limits, {}));
    assert.ok(!('maxImageMeta' in absoluteLimits(v(39), limits, {})));
    assert.ok(!('maxPersonality' in absoluteLimits(v(57), limits, {})));
  });
});

describe('server groups', () => {
  const cases: [Record<string, unknown>, number, Record<string, unknown> | RegExp][] = [
    [{ name: 'g', policies: ['affinity'] }, 1, { policy: 'affinity', rules: {} }],
    [{ name: 'g', policies: ['soft-affinity'] }, 14, /is not one of/],
    [{ name: 'g', policies: ['soft-affinity'] }, 15, { policy: 'soft-affinity' }],
    [{ name: 'g', policies: ['affinity', 'anti-affinity'] }, 1, /exactly one/],
    [{ name: 'g', policy: 'anti-affinity' }, 63, /'policy' was unexpected/],
    [
      { name: 'g', policy: 'anti-affinity', rules: { max_server_per_host: 2 } },
      64,
      { rules: { max_server_per_host: 2 } },
    ],
    [{ name: 'g', policy: 'affinity', rules: { max_server_per_host: 2 } }, 64, /Only anti-affinity/],
    [{ name: 'g', policy: 'anti-affinity', rules: { max_server_per_host: 0 } }, 64, /positive integer/],
    [{ name: '', policy: 'affinity' }, 64, /non-empty/],
  ];
  for (const [body, minor, want] of cases)
    test(`${JSON.stringify(body)} at 2.${minor}`, () => {
      if (want instanceof RegExp) assert.throws(() => parseServerGroupCreate(body, v(minor)), want);
      else {
        const got = parseServerGroupCreate(body, v(minor)) as unknown as Record<string, unknown>;
        for (const [k, w] of Object.entries(want)) assert.deepEqual(got[k], w, k);
      }
    });
});
