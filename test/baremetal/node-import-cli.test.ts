// `ooo node import` end to end as a real process against a test seed: a devtest file of fake-hardware
// nodes is enrolled with its ports, a second run changes nothing and says so, --provide brings every node
// to available printing the changes; a file with pxe_ssh is refused with nothing created.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeBmc, ipmiSimUnavailable, startFakeBmc } from '../lab/ipmi-sim-support.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';
import { OOO } from '../support/seed-process.ts';

function ooo(env: Record<string, string>, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      OOO,
      args,
      { env: { PATH: process.env.PATH, ...env }, timeout: 300_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('ooo node import', () => {
  let seed: TestSeed;
  let dir: string;
  before(async () => {
    seed = await startTestSeed({ services: ['baremetal'] });
    dir = mkdtempSync(join(tmpdir(), 'ooo-import-'));
  });
  after(async () => {
    await seed?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const res = await fetch(`${seed.urls.baremetal}${path}`, {
      headers: { 'x-auth-token': token, 'x-openstack-ironic-api-version': '1.78' },
    });
    return (await res.json()) as { nodes?: Record<string, unknown>[]; ports?: Record<string, unknown>[] };
  };

  test('enrol once, then nothing changes, then --provide', async () => {
    const file = join(dir, 'nodes.json');
    const node = (i: number) => ({
      name: `imp${i}`,
      pm_type: 'fake',
      pm_password: 'not-to-be-seen',
      mac: [`52:54:00:00:00:0${i}`],
      cpu: '1',
      memory: '512',
      disk: '10',
      arch: 'amd64',
    });
    writeFileSync(file, JSON.stringify({ nodes: [node(1), node(2)] }));
    const first = await ooo(seed.cliEnv, ['node', 'import', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^imp1: created [0-9a-f-]{36} \(fake-hardware, 1 port\(s\)\)$/m);
    assert.match(first.stdout, /^imp2: created /m);
    assert.match(first.stdout, /2 node\(s\): 2 created, 0 unchanged, 0 failed/);
    const nodes = (await api('/v1/nodes?detail=True')).nodes ?? [];
    assert.deepEqual(nodes.map((n) => n.name).sort(), ['imp1', 'imp2']);
    assert.deepEqual(
      nodes.map((n) => (n.properties as Record<string, unknown>).memory_mb),
      [512, 512],
    );
    assert.equal((await api('/v1/ports')).ports?.length, 2);

    const second = await ooo(seed.cliEnv, ['node', 'import', file]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /^imp1: already enrolled as [0-9a-f-]{36} \(by MAC 52:54:00:00:00:01\), unchanged$/m,
    );
    assert.match(second.stdout, /nothing changed: all 2 node\(s\) were already enrolled/);
    assert.equal((await api('/v1/nodes')).nodes?.length, 2);

    const provided = await ooo(seed.cliEnv, ['node', 'import', file, '--provide']);
    assert.equal(provided.code, 0, provided.stdout + provided.stderr);
    assert.match(provided.stdout, /^imp1: enroll → (verifying|manageable)$/m);
    assert.match(provided.stdout, /^imp2: .* → available$/m);
    assert.match(provided.stdout, /2 node\(s\) moved to available/);
    const after = (await api('/v1/nodes?detail=True')).nodes ?? [];
    assert.deepEqual(
      after.map((n) => n.provision_state),
      ['available', 'available'],
    );
    assert.ok(!(provided.stdout + first.stdout).includes('not-to-be-seen'));
  });

  test('pxe_ssh is refused and nothing is created', async () => {
    const file = join(dir, 'ssh.json');
    writeFileSync(
      file,
      JSON.stringify([
        { pm_type: 'fake', name: 'ok-one', mac: ['52:54:00:00:01:01'] },
        { pm_type: 'pxe_ssh', pm_addr: '192.0.2.1', mac: ['52:54:00:00:01:02'] },
      ]),
    );
    const r = await ooo(seed.cliEnv, ['node', 'import', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pxe_ssh .*removed/);
    const names = ((await api('/v1/nodes')).nodes ?? []).map((n) => n.name);
    assert.ok(!names.includes('ok-one'));
  });

  test('an Ironic bulk YAML file is enrolled; a broken one names its line and creates nothing', async () => {
    const file = join(dir, 'bulk.yaml');
    writeFileSync(
      file,
      [
        '# as for openstack baremetal create bulk.yaml',
        'nodes:',
        '  - name: yaml1',
        '    driver: fake-hardware',
        '    properties: {cpus: 1, memory_mb: 768, local_gb: 10, cpu_arch: x86_64}',
        "    ports: [{address: '52:54:00:00:02:01'}]",
        '',
      ].join('\n'),
    );
    const r = await ooo(seed.cliEnv, ['node', 'import', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^yaml1: created [0-9a-f-]{36} \(fake-hardware, 1 port\(s\)\)$/m);
    const node = ((await api('/v1/nodes?detail=True')).nodes ?? []).find((n) => n.name === 'yaml1');
    assert.equal((node?.properties as Record<string, unknown> | undefined)?.memory_mb, 768);

    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'nodes:\n  - name: yaml2\n    driver: fake-hardware\n    ports: [{address: x}\n');
    const bad = await ooo(seed.cliEnv, ['node', 'import', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /broken\.yml: not valid YAML at line \d+: /);
    const names = ((await api('/v1/nodes')).nodes ?? []).map((n) => n.name);
    assert.ok(!names.includes('yaml2'));
  });
});

describe('ooo node import of an ipmi node (ipmi_sim) with --provide', { skip: ipmiSimUnavailable() }, () => {
  let seed: TestSeed;
  let bmc: FakeBmc;
  let dir: string;
  before(async () => {
    bmc = await startFakeBmc();
    seed = await startTestSeed({
      services: ['baremetal'],
      settings: {
        // no automated cleaning: it would network-boot the deploy ramdisk, and there is no machine here
        baremetal: {
          automatedClean: false,
          bmc: { ipmiMinCommandIntervalMs: 0, ipmiRetryTimeoutMs: 5_000, powerWaitS: 15 },
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'ooo-import-ipmi-'));
  });
  after(async () => {
    await seed?.stop();
    bmc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the era's pxe_ipmitool entry is enrolled as ipmi, verified against the BMC and made available", async () => {
    const file = join(dir, 'nodes.json');
    writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          {
            name: 'sim0',
            pm_type: 'pxe_ipmitool',
            pm_addr: '127.0.0.1',
            pm_port: String(bmc.port),
            pm_user: bmc.username,
            pm_password: bmc.password,
            mac: ['52:54:00:12:34:56'],
            cpu: '1',
            memory: '1024',
            disk: '8',
            arch: 'amd64',
          },
        ],
      }),
    );
    const r = await ooo(seed.cliEnv, ['node', 'import', file, '--provide']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^sim0: created [0-9a-f-]{36} \(ipmi, 1 port\(s\)\)$/m);
    assert.match(r.stdout, /^sim0: .* → available$/m);
    assert.ok(!r.stdout.includes(bmc.password));
    assert.ok(
      bmc.calls().some((c) => c.startsWith('get')),
      'the BMC was asked for the power state',
    );
    const token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const res = await fetch(`${seed.urls.baremetal}/v1/nodes/sim0`, {
      headers: { 'x-auth-token': token, 'x-openstack-ironic-api-version': '1.78' },
    });
    const n = (await res.json()) as Record<string, Record<string, unknown> | string>;
    assert.equal(n.provision_state, 'available');
    assert.equal(n.power_state, 'power off');
    assert.deepEqual(n.driver_info, {
      ipmi_address: '127.0.0.1',
      ipmi_port: bmc.port,
      ipmi_username: bmc.username,
      ipmi_password: '******',
    });
  });
});
