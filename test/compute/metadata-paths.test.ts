// Table-driven: the metadata service's answers for the paths cloud-init and os-collect-config ask.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InstanceFacts } from '../../src/compute/model/metadata.ts';
import { resolveMetadata } from '../../src/compute/model/metadata-paths.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtX6gTx2bW2Ho2vIMeV3j3Pq8zQn3ULnJPaKTJy2y1H me';
const facts: InstanceFacts = {
  uuid: 'u-1',
  name: 'web-1',
  hostname: 'web-1',
  launchIndex: 0,
  availabilityZone: 'nova',
  projectId: 'p1',
  internalId: 255,
  reservationId: 'r-00000001',
  flavorName: 'baremetal',
  imageInternalId: 1,
  keys: [{ name: 'default', type: 'ssh', data: KEY }],
  meta: {},
  userData: Buffer.from('#!/bin/sh\ntrue\n'),
  fixedIp: '192.0.2.20',
  networkData: { links: [], networks: [], services: [] },
  vendorData: {},
  randomSeed: 'AAAA',
  rootDevice: '/dev/vda',
  ephemeralGb: 0,
  swapMb: 0,
};

describe('metadata paths', () => {
  const cases: [string, number, string | RegExp, string?][] = [
    ['/', 200, /^1\.0\n[\s\S]*\n2009-04-04\nlatest$/],
    ['/2009-04-04/', 200, 'meta-data/\nuser-data'],
    ['/latest/meta-data/instance-id', 200, 'i-000000ff'],
    ['/latest/meta-data/hostname/', 200, 'web-1.novalocal'],
    ['/ec2/2009-04-04/meta-data/local-ipv4', 200, '192.0.2.20'],
    ['/latest/meta-data/placement/availability-zone', 200, 'nova'],
    ['/latest/meta-data/placement', 200, 'availability-zone'],
    ['/latest/meta-data/public-keys', 200, '0=default'],
    ['/latest/meta-data/public-keys/0', 200, 'openssh-key'],
    ['/latest/meta-data/public-keys/0/openssh-key', 200, KEY],
    ['/latest/meta-data/security-groups', 200, 'default'],
    [
      '/latest/meta-data/',
      200,
      /^ami-id\nami-launch-index\n[\s\S]*block-device-mapping\/\n[\s\S]*placement\/\n/,
    ],
    ['/latest/user-data', 200, '#!/bin/sh\ntrue\n'],
    ['/2009-04-04/meta-data/../user-data', 200, '#!/bin/sh\ntrue\n'],
    ['/latest/meta-data/nope', 404, /Not Found/],
    ['/1999-01-01/meta-data/', 404, /Not Found/],
    ['/openstack', 200, /^2012-08-10\n[\s\S]*\nlatest$/],
    [
      '/openstack/latest',
      200,
      /meta_data\.json\nuser_data\nvendor_data\.json\nnetwork_data\.json\nvendor_data2\.json/,
    ],
    ['/openstack/2012-08-10', 200, 'meta_data.json\nuser_data'],
    ['/openstack/latest/meta_data.json', 200, /"uuid":"u-1"/, 'application/json'],
    ['/openstack/latest/network_data.json', 200, /"links":\[\]/, 'text/plain'],
    ['/openstack/latest/vendor_data2.json', 200, '{}', 'application/json'],
    ['/openstack/latest/user_data', 200, '#!/bin/sh\ntrue\n'],
    ['/openstack/2012-08-10/network_data.json', 404, /Not Found/],
    ['/openstack/2000-01-01/meta_data.json', 404, /Not Found/],
  ];
  for (const [path, status, body, type] of cases)
    test(`${path} → ${status}`, () => {
      const r = resolveMetadata(facts, path);
      assert.equal(r.status, status);
      const got = r.body.toString();
      if (body instanceof RegExp) assert.match(got, body);
      else assert.equal(got, body);
      if (type) assert.equal(r.contentType, type);
    });
  test('no user data: EC2 lists only meta-data/, user-data and user_data are 404', () => {
    const f = { ...facts, userData: undefined };
    assert.equal(resolveMetadata(f, '/latest').body.toString(), 'meta-data/');
    assert.equal(resolveMetadata(f, '/latest/user-data').status, 404);
    assert.equal(resolveMetadata(f, '/openstack/latest/user_data').status, 404);
  });
});
