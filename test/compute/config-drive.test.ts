// The config drive, built with the real xorriso and read back with xorriso -osirrox: label config-2,
// the layout cloud-init's ConfigDrive datasource reads, and the gzip+base64 form for the bare metal service.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { configDriveFiles, type InstanceFacts, openstackMetaData } from '../../src/compute/model/metadata.ts';
import { buildConfigDrive, packForBaremetal, XORRISO } from '../../src/platform/config-drive.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';

const facts: InstanceFacts = {
  uuid: '6f1e2f0e-3a43-4c1e-9d3f-0d9f6f5a1b2c',
  name: 'web-1',
  hostname: 'web-1',
  launchIndex: 0,
  availabilityZone: 'nova',
  projectId: 'p1',
  internalId: 26,
  reservationId: 'r-1a2b3c4d',
  flavorName: 'baremetal',
  imageInternalId: 3,
  keys: [
    {
      name: 'default',
      type: 'ssh',
      data: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtX6gTx2bW2Ho2vIMeV3j3Pq8zQn3ULnJPaKTJy2y1H me',
    },
  ],
  meta: { role: 'web' },
  userData: Buffer.from('#!/bin/sh\necho hello > /tmp/marker\n'),
  fixedIp: '192.0.2.20',
  networkData: {
    links: [
      {
        id: 'interface0',
        vif_id: 'port-1',
        type: 'phy',
        mtu: 1500,
        ethernet_mac_address: '52:54:00:12:34:56',
      },
    ],
    networks: [{ id: 'network0', type: 'ipv4_dhcp', link: 'interface0', network_id: 'net-1' }],
    services: [],
  },
  vendorData: {},
  randomSeed: Buffer.alloc(512, 7).toString('base64'),
  rootDevice: '/dev/vda',
  ephemeralGb: 10,
  swapMb: 0,
};

describe('config drive (xorriso)', {
  skip: existsSync(XORRISO) ? undefined : 'no xorriso (Debian package xorriso)',
}, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-cd-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ISO 9660 labelled config-2 with the openstack/ and ec2/ trees; gzip+base64 round trip', async () => {
    const ctx = { log: silentLogger(), signal: new AbortController().signal };
    const iso = await buildConfigDrive(ctx, configDriveFiles(facts));
    assert.equal(
      iso.subarray(0x8001, 0x8006).toString('latin1'),
      'CD001',
      'an ISO 9660 primary volume descriptor',
    );
    const packed = await packForBaremetal(iso);
    assert.match(packed, /^[A-Za-z0-9+/]+=*$/);
    const unpacked = gunzipSync(Buffer.from(packed, 'base64'));
    assert.ok(unpacked.equals(iso));
    const file = join(dir, 'cd.iso');
    writeFileSync(file, unpacked);
    const pvd = execFileSync(XORRISO, ['-indev', file, '-pvd_info'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(pvd, /Volume Id\s*:\s*config-2/);
    const out = join(dir, 'out');
    execFileSync(XORRISO, ['-osirrox', 'on', '-indev', file, '-extract', '/', out], { stdio: 'ignore' });
    // cloud-init's read_v2: the newest version it knows (2018-08-27) and latest, meta_data.json required with uuid.
    for (const v of ['2018-08-27', 'latest']) {
      const md = JSON.parse(readFileSync(join(out, 'openstack', v, 'meta_data.json'), 'utf8'));
      assert.equal(md.uuid, facts.uuid);
      assert.equal(md.hostname, 'web-1.novalocal');
      assert.deepEqual(md.public_keys, { default: facts.keys[0]!.data });
      assert.equal(Buffer.from(md.random_seed, 'base64').length, 512);
      assert.equal(readFileSync(join(out, 'openstack', v, 'user_data'), 'utf8'), facts.userData!.toString());
      assert.deepEqual(
        JSON.parse(readFileSync(join(out, 'openstack', v, 'network_data.json'), 'utf8')),
        facts.networkData,
      );
      assert.deepEqual(JSON.parse(readFileSync(join(out, 'openstack', v, 'vendor_data2.json'), 'utf8')), {});
    }
    // Version gating: the oldest version has no network_data.json or vendor data.
    assert.ok(!existsSync(join(out, 'openstack', '2012-08-10', 'network_data.json')));
    assert.ok(!existsSync(join(out, 'openstack', '2012-08-10', 'vendor_data.json')));
    const ec2 = JSON.parse(readFileSync(join(out, 'ec2', 'latest', 'meta-data.json'), 'utf8'));
    assert.equal(ec2['instance-id'], 'i-0000001a');
    assert.equal(ec2['local-ipv4'], '192.0.2.20');
    assert.equal(ec2.placement['availability-zone'], 'nova');
    assert.equal(ec2['public-keys']['0']['openssh-key'], facts.keys[0]!.data);
    assert.deepEqual(ec2['block-device-mapping'], { ami: 'vda', root: '/dev/vda', ephemeral0: 'vdb' });
    assert.ok(existsSync(join(out, 'ec2', '2009-04-04', 'user-data')));
  });

  test('metadata keys appear from the versions that introduced them', () => {
    const old = openstackMetaData(facts, '2012-08-10');
    assert.ok(!('random_seed' in old) && !('project_id' in old) && !('devices' in old));
    assert.ok('random_seed' in openstackMetaData(facts, '2013-04-04'));
    assert.ok('project_id' in openstackMetaData(facts, '2015-10-15'));
    assert.ok(!('dedicated_cpus' in openstackMetaData(facts, '2018-08-27')));
    assert.ok('dedicated_cpus' in openstackMetaData(facts, 'latest'));
    const bare = openstackMetaData({ ...facts, keys: [], meta: {} }, 'latest');
    assert.ok(!('public_keys' in bare) && !('keys' in bare) && !('meta' in bare));
  });
});
