// The real `openstack` CLI (python3-openstackclient 6.0: novaclient and openstacksdk) against a seed
// running identity, network and compute: flavors, keypairs, quotas, limits, zones, hypervisors, groups.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is read freely
type Json = any;

const sshKeygen = '/usr/bin/ssh-keygen';

describe('openstack CLI against the compute service', { skip: cliUnavailable() }, () => {
  let seed: TestSeed;
  let dir: string;
  const os = async (...args: string[]): Promise<Json> => {
    const r = await openstack(seed.cliEnv, args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stderr}`);
    return args.includes('json') ? r.json() : r.stdout;
  };
  const fails = async (...args: string[]): Promise<string> => {
    const r = await openstack(seed.cliEnv, args);
    assert.notEqual(r.code, 0, `openstack ${args.join(' ')} should fail:\n${r.stdout}`);
    return r.stderr;
  };

  before(async () => {
    // Compute reads nodes as its own service user: the seed makes the service users.
    seed = await startTestSeed({ services: ['network', 'compute'], serviceUsers: true });
    dir = mkdtempSync(join(tmpdir(), 'ooo-compute-cli-'));
  });
  after(async () => {
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('flavor create with bare metal properties; show, list, unset, private access, delete', async () => {
    const f = await os(
      'flavor',
      'create',
      '--ram',
      '4096',
      '--vcpus',
      '2',
      '--disk',
      '40',
      '--ephemeral',
      '10',
      '--property',
      'resources:CUSTOM_BAREMETAL=1',
      '--property',
      'resources:VCPU=0',
      '--property',
      'capabilities:profile=control',
      'baremetal',
      '-f',
      'json',
    );
    assert.equal(f.name, 'baremetal');
    assert.equal(f.ram, 4096);
    assert.equal(f['OS-FLV-EXT-DATA:ephemeral'] ?? f.ephemeral, 10);
    const shown = await os('flavor', 'show', 'baremetal', '-f', 'json');
    const props = JSON.stringify(shown.properties);
    for (const p of ['resources:CUSTOM_BAREMETAL', 'resources:VCPU', 'capabilities:profile'])
      assert.ok(props.includes(p), `${p} in ${props}`);
    await os('flavor', 'unset', '--property', 'resources:VCPU', 'baremetal');
    assert.ok(
      !JSON.stringify((await os('flavor', 'show', 'baremetal', '-f', 'json')).properties).includes(
        'resources:VCPU',
      ),
    );
    await os(
      'flavor',
      'create',
      '--ram',
      '512',
      '--vcpus',
      '1',
      '--disk',
      '1',
      '--private',
      '--project',
      'admin',
      'hidden',
    );
    const pub = (await os('flavor', 'list', '-f', 'json')).map((x: Json) => x.Name);
    assert.deepEqual(pub, ['baremetal']);
    const all = (await os('flavor', 'list', '--all', '-f', 'json')).map((x: Json) => x.Name).sort();
    assert.deepEqual(all, ['baremetal', 'hidden']);
    assert.match(
      await fails('flavor', 'create', '--ram', '1', '--vcpus', '1', 'baremetal'),
      /already exists/,
    );
    await os('flavor', 'delete', 'hidden');
    assert.match(await fails('flavor', 'show', 'hidden'), /No Flavor found|could not be found/i);
  });

  test('keypair create from a public key (ed25519, RSA) with the fingerprint ssh-keygen gives, and generated', async (t) => {
    if (!existsSync(sshKeygen)) return t.skip('no ssh-keygen (Debian package openssh-client)');
    for (const type of ['ed25519', 'rsa']) {
      const key = join(dir, `id_${type}`);
      execFileSync(sshKeygen, ['-q', '-t', type, '-N', '', '-C', 'test', '-f', key]);
      const want = execFileSync(sshKeygen, ['-l', '-E', 'md5', '-f', `${key}.pub`], { encoding: 'utf8' })
        .split(' ')[1]!
        .replace(/^MD5:/, '');
      const k = await os('keypair', 'create', '--public-key', `${key}.pub`, `k-${type}`, '-f', 'json');
      assert.equal(k.fingerprint, want, type);
    }
    const listed = (await os('keypair', 'list', '-f', 'json')).map((x: Json) => x.Name).sort();
    assert.deepEqual(listed, ['k-ed25519', 'k-rsa']);
    // Generated: the private key comes back once; ssh-keygen derives the same public key from it.
    const priv = await os('keypair', 'create', 'generated');
    assert.match(priv, /BEGIN RSA PRIVATE KEY/);
    const privFile = join(dir, 'generated');
    writeFileSync(privFile, priv, { mode: 0o600 });
    const derived = execFileSync(sshKeygen, ['-y', '-f', privFile], { encoding: 'utf8' })
      .trim()
      .split(' ')[1];
    const shown = await os('keypair', 'show', '--public-key', 'generated');
    assert.equal(shown.split(' ')[1], derived);
    const bad = join(dir, 'bad.pub');
    writeFileSync(bad, 'ssh-rsa AAAAnotakey comment\n');
    assert.match(await fails('keypair', 'create', '--public-key', bad, 'bad'), /Keypair data is invalid/);
    assert.match(
      await fails('keypair', 'create', '--public-key', `${join(dir, 'id_rsa')}.pub`, 'k-rsa'),
      /already exists/,
    );
    await os('keypair', 'delete', 'k-rsa');
    assert.match(await fails('keypair', 'show', 'k-rsa'), /No Keypair found for k-rsa/);
  });

  test('quota set and show, limits show', async () => {
    await os(
      'quota',
      'set',
      '--cores',
      '64',
      '--instances',
      '12',
      '--ram',
      '131072',
      '--key-pairs',
      '3',
      'admin',
    );
    const q = await os('quota', 'show', 'admin', '-f', 'json');
    assert.equal(q.cores, 64);
    assert.equal(q.instances, 12);
    assert.equal(q.ram, 131072);
    const limits = await os('limits', 'show', '--absolute', '-f', 'json');
    const byName = Object.fromEntries(limits.map((l: Json) => [l.Name, l.Value]));
    assert.equal(byName.maxTotalCores, 64);
    assert.equal(byName.maxTotalInstances, 12);
    assert.equal(byName.maxTotalKeypairs, 3);
    assert.equal(byName.totalInstancesUsed, 0);
    // The default quota class (nova quota-class-update): projects without their own limits follow it.
    await os('quota', 'set', '--class', '--instances', '15', 'default');
    // (OSC 6.0's `quota show --class` looks the class name up as a project; --default shows the defaults.)
    assert.equal((await os('quota', 'show', '--default', 'admin', '-f', 'json')).instances, 15);
    const demo = await seed.addUser('demo');
    const theirs = await openstack(demo.cliEnv, ['limits', 'show', '--absolute', '-f', 'json']);
    const theirLimits = Object.fromEntries(theirs.json<Json[]>().map((l: Json) => [l.Name, l.Value]));
    assert.equal(theirLimits.maxTotalInstances, 15);
    assert.equal(
      (await os('quota', 'show', 'admin', '-f', 'json')).instances,
      12,
      'own limits win over the class',
    );
  });

  test('availability zone list, hypervisor list (no bare metal node enrolled: none), server group create', async () => {
    const zones = await os('availability', 'zone', 'list', '--compute', '-f', 'json');
    assert.ok(
      zones.some((z: Json) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available'),
      JSON.stringify(zones),
    );
    assert.deepEqual(await os('hypervisor', 'list', '-f', 'json'), []);
    const g = await os('server', 'group', 'create', '--policy', 'anti-affinity', 'spread', '-f', 'json');
    assert.equal(g.name, 'spread');
    assert.match(JSON.stringify(g.policy ?? g.policies), /anti-affinity/);
    const listed = await os('server', 'group', 'list', '-f', 'json');
    assert.deepEqual(
      listed.map((x: Json) => x.Name),
      ['spread'],
    );
    await os('server', 'group', 'delete', 'spread');
    assert.deepEqual(await os('server', 'group', 'list', '-f', 'json'), []);
  });
});
