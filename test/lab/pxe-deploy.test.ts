// A real PXE deploy of lab machines, both BMC kinds: a real `ooo seed up` (identity, image, network with its
// dnsmasq in the lab's namespace, bare metal), the deploy ramdisk and the user image built by our image builder
// (cached under /var/tmp/tripleo-ts-*), then the lab demo (src/lab/demo.ts) with the real CLIs:
// `ooo lab up --nodes 2 --bmc mixed` → `ooo node import` → manage → inspect → provide (automated cleaning in
// the ramdisk) → deploy of the user image → each machine boots its own disk to the image's marker →
// undeploy (cleaning) → available. Every boot goes through our DHCP, the per-MAC iPXE script and the
// deploy files served by the bare metal service. The phase times are printed as diagnostics.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLabDemo } from '../../src/lab/demo.ts';
import { buildDemoImages } from '../../src/lab/demo-images.ts';
import { labNetns } from '../../src/lab/seed-settings.ts';
import {
  archiveSkipReason,
  rootSkipReason,
  SHARED_CACHE,
  toolSkipReason,
} from '../imagebuilder/support/run.ts';
import { netnsUnavailable } from '../network/netns.ts';
import { seedLogProblems } from '../support/lab-guest.ts';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { OOO, type SeedProcess, startSeedProcess } from '../support/seed-process.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const RAMDISK_CACHE = process.env.DEPLOY_AGENT_TEST_CACHE || '/var/tmp/tripleo-ts-deploy-agent-cache';
const skip =
  rootSkipReason() ??
  netnsUnavailable() ??
  ipmiSimUnavailable() ??
  cliUnavailable() ??
  toolSkipReason('qemu-system-x86_64', 'qemu-img', 'debootstrap', 'zstd', 'mkfs.ext4', 'busybox') ??
  (existsSync('/usr/sbin/dnsmasq') ? undefined : 'no dnsmasq') ??
  (existsSync('/usr/lib/ipxe/undionly.kpxe') ? undefined : 'no /usr/lib/ipxe (Debian package ipxe)') ??
  (existsSync(join(SHARED_CACHE, 'debootstrap')) ? undefined : await archiveSkipReason());

function ooo(args: string[]) {
  return new Promise<{ code: number; out: string }>((done) => {
    execFile(OOO, args, { timeout: 300_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('PXE deploy of lab machines end to end', { skip, timeout: 28 * 60_000 }, () => {
  let dir = '';
  let stateDir = '';
  let seed: SeedProcess | undefined;
  const images = { kernel: '', ramdisk: '', user: '' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-pxe-deploy-'));
    stateDir = join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    // The images, from the image builder's caches when their inputs did not change.
    const built = await buildDemoImages(testCtx(), join(dir, 'images'), () => undefined, {
      ramdisk: RAMDISK_CACHE,
      imagebuilder: SHARED_CACHE,
    });
    console.log(`# images: ${built.builds.map((b) => `${b.name} ${b.seconds} s (${b.how})`).join(', ')}`);
    Object.assign(images, { kernel: built.kernel, ramdisk: built.ramdisk, user: built.user });

    writeFileSync(
      join(stateDir, 'ooo.json'),
      JSON.stringify({
        ports: { identity: 0, image: 0, network: 0, baremetal: 0 },
        settings: {
          identity: { hashCostLog2: 10 },
          baremetal: {
            agentPollIntervalMs: 1000,
            periodicIntervalMs: 2000,
            powerSyncIntervalMs: 15_000,
            bmc: { ipmiMinCommandIntervalMs: 0, powerWaitS: 60 },
          },
        },
      }),
    );
    seed = await startSeedProcess(['--state-dir', stateDir, '--only', 'identity,image,network,baremetal']);
  });

  after(async () => {
    if (stateDir) await ooo(['lab', 'down', '--state-dir', stateDir]);
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('lab up → import → manage → inspect → provide → deploy → own disk → undeploy → available', async (t) => {
    const lines: string[] = [];
    const result = await runLabDemo(
      testCtx(),
      {
        stateDir,
        nodes: 2,
        bmc: 'mixed',
        memoryMiB: 768,
        diskGiB: 2,
        deployKernel: images.kernel,
        deployRamdisk: images.ramdisk,
        userImage: images.user,
        inspect: true,
        undeploy: true,
        waitS: 900,
        labArgs: ['--accel', 'tcg'],
      },
      { say: (l) => lines.push(l) },
    ).catch((e) => {
      throw new Error(
        `${(e as Error).message}\n--- demo ---\n${lines.join('\n')}${seedLogProblems(stateDir)}`,
      );
    });
    for (const p of result.phases) t.diagnostic(`${p.name}: ${p.seconds} s`);
    for (const [name, timeline] of Object.entries(result.timelines))
      for (const line of timeline.trimEnd().split('\n')) t.diagnostic(`${name} timeline: ${line}`);
    assert.deepEqual(result.nodes, ['node-0', 'node-1']);
    assert.deepEqual(result.deployed, ['node-0', 'node-1']);

    const env = { OS_CLIENT_CONFIG_FILE: join(stateDir, 'clouds.yaml'), OS_CLOUD: 'seed' };
    for (const [i, name] of result.nodes.entries()) {
      const show = await openstack(env, ['baremetal', 'node', 'show', name, '-f', 'json']);
      // biome-ignore lint/suspicious/noExplicitAny: Ironic's JSON, asserted field by field
      const n = show.json<any>();
      assert.equal(n.provision_state, 'available', `${name}: ${n.last_error}`);
      assert.equal(n.driver, i === 0 ? 'ipmi' : 'redfish');
      assert.equal(n.boot_interface, 'ipxe');
      assert.equal(n.deploy_interface, 'direct');
      // Inspection: what the agent found in the VM.
      assert.equal(Number(n.properties.cpus), 1);
      assert.ok(Number(n.properties.memory_mb) >= 512, JSON.stringify(n.properties));
      assert.equal(Number(n.properties.local_gb), 2);
      assert.equal(n.properties.cpu_arch, 'x86_64');
      assert.ok(n.inspection_finished_at);
      // Every phase of the deploy is on the timeline.
      const timeline = result.timelines[name] ?? '';
      for (const phase of ['ramdisk up', 'image written', 'active'])
        assert.ok(timeline.includes(phase), `${name} timeline lacks ${phase}:\n${timeline}`);
    }
    // The `pxe` chain's first stage: the seed's dnsmasq serves iPXE over TFTP on the lab's network.
    const got = join(dir, 'undionly.kpxe');
    const tftp = await new Promise<number>((done) =>
      execFile(
        'ip',
        [
          'netns',
          'exec',
          labNetns(stateDir),
          'busybox',
          'tftp',
          '-g',
          '-r',
          'undionly.kpxe',
          '-l',
          got,
          '192.0.2.1',
        ],
        (err) => done(err ? 1 : 0),
      ),
    );
    assert.equal(tftp, 0, 'TFTP from the seed dnsmasq');
    assert.deepEqual(readFileSync(got), readFileSync('/usr/lib/ipxe/undionly.kpxe'));
    // The provisioning ports the bare metal service made stay (the nodes keep their addresses) without boot options.
    const ports = await openstack(env, [
      'port',
      'list',
      '--device-owner',
      'baremetal:none',
      '--long',
      '-f',
      'json',
    ]);
    // biome-ignore lint/suspicious/noExplicitAny: Neutron's JSON
    const made = ports.json<any[]>();
    assert.equal(made.length, 2);
    for (const p of made) {
      const full = await openstack(env, ['port', 'show', p.ID, '-f', 'json']);
      // biome-ignore lint/suspicious/noExplicitAny: Neutron's JSON
      const opts = full.json<any>().extra_dhcp_opts;
      assert.ok(
        !opts || (Array.isArray(opts) && opts.length === 0),
        `no boot options left: ${JSON.stringify(opts)}`,
      );
    }
  });
});
