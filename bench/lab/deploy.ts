// Lab deploy benchmark: one lab node deployed for real (a real `ooo seed up`, `ooo lab up --nodes 1`, PXE through
// our dnsmasq, the deploy ramdisk, the lab's user image) — power on → `active` → its marker on the console —
// against the sum of its parts, each measured alone in the same run:
//   A. the deploy ramdisk booted to its first heartbeat (QEMU -kernel/-initrd, a fake conductor; no PXE, so
//      firmware, iPXE and DHCP are not in this part: the sum is smaller than it would be with them),
//   B. the same image written from that ramdisk (standby.prepare_image onto a blank disk of the node's size),
//   C. the deployed disk (a copy of the node's disk after the deploy) booted to its marker.
// No timed asserts: it prints figures and ratios. Needs root, QEMU, ipmi_sim, dnsmasq and the openstack CLI.
// Run: node_modules/.bin/node bench/lab/deploy.ts
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLabDemo, USER_IMAGE_MARKER } from '../../src/lab/demo.ts';
import { buildDemoImages } from '../../src/lab/demo-images.ts';
import { startFakeConductor } from '../../test/agents/deploy/support/fake-conductor.ts';
import { ipmiSimUnavailable, testCtx } from '../../test/lab/ipmi-sim-support.ts';
import { startSeedProcess } from '../../test/support/seed-process.ts';

const MAC = '52:54:00:be:9c:01';
const DISK_GIB = 2;
const MEMORY_MIB = 768;

const why =
  process.getuid?.() !== 0
    ? 'needs root'
    : (ipmiSimUnavailable() ??
      (existsSync('/usr/bin/openstack') ? undefined : 'no openstack CLI') ??
      (existsSync('/usr/sbin/dnsmasq') ? undefined : 'no dnsmasq'));
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

function qemuImg(...args: string[]): void {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qemu-img ${args.join(' ')}: ${r.stderr}`);
}

/** QEMU TCG with the serial console on stdout; `reached` resolves the seconds until `until(console)` holds. */
function qemu(args: string[], until: (console: string) => boolean, limitS: number) {
  const t0 = Date.now();
  let out = '';
  const q = spawn(
    'qemu-system-x86_64',
    [
      '-accel',
      'tcg',
      '-m',
      String(MEMORY_MIB),
      '-display',
      'none',
      '-monitor',
      'none',
      '-nodefaults',
      '-no-reboot',
      '-serial',
      'stdio',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const reached = new Promise<number>((ok, fail) => {
    const killer = setTimeout(() => {
      q.kill('SIGKILL');
      fail(new Error(`not reached in ${limitS} s:\n${out.slice(-2000)}`));
    }, limitS * 1000);
    const see = (d: Buffer) => {
      out += d.toString('latin1');
      if (until(out)) {
        clearTimeout(killer);
        ok((Date.now() - t0) / 1000);
      }
    };
    q.stdout.on('data', see);
    q.stderr.on('data', see);
    q.on('close', () => {
      clearTimeout(killer);
      fail(new Error(`QEMU ended first:\n${out.slice(-2000)}`));
    });
  });
  reached.catch(() => undefined);
  return { reached, stop: () => q.kill('SIGKILL') };
}

/** A: the ramdisk to its first heartbeat; B: the image written by it onto a blank disk of the node's size. */
async function ramdiskAlone(kernel: string, initramfs: string, image: string, work: string) {
  const conductor = await startFakeConductor({ macs: [MAC], heartbeatTimeout: 60 });
  const data = readFileSync(image);
  conductor.images.set('user.qcow2', data);
  const disk = join(work, 'blank.qcow2');
  qemuImg('create', '-f', 'qcow2', disk, `${DISK_GIB}G`);
  const port = Number(new URL(conductor.url).port);
  const agentPort = await freePort();
  const t0 = Date.now();
  const vm = qemu(
    [
      '-kernel',
      kernel,
      '-initrd',
      initramfs,
      '-append',
      `console=ttyS0 panic=-1 quiet ipa-api-url=http://10.0.2.100:80 BOOTIF=${MAC} ipa-lookup-interval=1`,
      '-netdev',
      `user,id=n0,restrict=on,ipv6=off,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 ${port},hostfwd=tcp:127.0.0.1:${agentPort}-:9999`,
      '-device',
      `virtio-net-pci,netdev=n0,mac=${MAC}`,
      '-drive',
      `file=${disk},if=virtio,format=qcow2`,
    ],
    () => false,
    600,
  );
  try {
    await conductor.heartbeat(1);
    const heartbeat = (Date.now() - t0) / 1000;
    const w0 = Date.now();
    const r = await fetch(
      `http://127.0.0.1:${agentPort}/v1/commands/?agent_token=${conductor.token}&wait=true`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'standby.prepare_image',
          params: {
            image_info: {
              id: 'user',
              urls: ['http://10.0.2.100:80/images/user.qcow2'],
              disk_format: 'qcow2',
              os_hash_algo: 'sha256',
              os_hash_value: createHash('sha256').update(data).digest('hex'),
              image_request_headers: { 'X-Auth-Token': conductor.imageToken },
            },
          },
        }),
      },
    );
    const body = (await r.json()) as { command_status?: string };
    if (body.command_status !== 'SUCCEEDED') throw new Error(`prepare_image: ${JSON.stringify(body)}`);
    return { heartbeat, write: (Date.now() - w0) / 1000 };
  } finally {
    vm.stop();
    await conductor.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
const stateDir = join(dir, 'state');
mkdirSync(stateDir, { mode: 0o700 });
const ctx = testCtx();
let seed: Awaited<ReturnType<typeof startSeedProcess>> | undefined;
try {
  const images = await buildDemoImages(ctx, join(dir, 'images'), () => undefined);
  const userMiB = statSync(images.user).size / 2 ** 20;
  writeFileSync(
    join(stateDir, 'ooo.json'),
    JSON.stringify({
      ports: { identity: 0, image: 0, network: 0, baremetal: 0 },
      settings: {
        identity: { hashCostLog2: 10 },
        baremetal: {
          agentPollIntervalMs: 1000,
          periodicIntervalMs: 2000,
          bmc: { ipmiMinCommandIntervalMs: 0, powerWaitS: 60 },
        },
      },
    }),
  );
  seed = await startSeedProcess(['--state-dir', stateDir, '--only', 'identity,image,network,baremetal']);

  // The whole: one node, PXE → ramdisk → image written → reboot → active → marker.
  const demo = await runLabDemo(
    ctx,
    {
      stateDir,
      nodes: 1,
      bmc: 'ipmi',
      memoryMiB: MEMORY_MIB,
      diskGiB: DISK_GIB,
      deployKernel: images.kernel,
      deployRamdisk: images.ramdisk,
      userImage: images.user,
      inspect: false,
      undeploy: false,
      waitS: 600,
      labArgs: ['--accel', 'tcg'],
    },
    { say: () => undefined },
  );
  const phase = (n: string) => demo.phases.find((p) => p.name === n)?.seconds ?? Number.NaN;
  const toActive = phase('deploy');
  const toMarker = phase('boot to the user image marker');
  const timeline = demo.timelines['node-0'] ?? '';
  const written = /image written[^\n]*/.exec(timeline)?.[0] ?? '';
  // C: the deployed disk alone (the node powered off first; -snapshot keeps the disk as it is)
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(stateDir, 'clouds.yaml'), OS_CLOUD: 'seed' };
  spawnSync('openstack', ['baremetal', 'node', 'power', 'off', 'node-0'], { env });
  const nodeDisk = join(stateDir, 'lab', 'node-0', 'disk.qcow2');
  // until the node's QEMU let go of its disk (qemu-img info takes the shared lock QEMU's write lock denies)
  for (let i = 0; i < 120 && spawnSync('qemu-img', ['info', nodeDisk]).status !== 0; i++)
    await new Promise((ok) => setTimeout(ok, 1000));
  const boot = qemu(
    [
      '-drive',
      `file=${nodeDisk},if=virtio,format=qcow2,snapshot=on`,
      '-netdev',
      'user,id=n0,restrict=on,ipv6=off',
      '-device',
      `virtio-net-pci,netdev=n0,mac=${MAC}`,
    ],
    (c) => c.includes(USER_IMAGE_MARKER),
    600,
  );
  const diskBoot = await boot.reached.finally(() => boot.stop());
  const parts = await ramdiskAlone(images.kernel, images.ramdisk, images.user, dir);

  const whole = toActive + toMarker;
  const sum = parts.heartbeat + parts.write + diskBoot;
  const rows: [string, string][] = [
    ['user image (qcow2, uncompressed)', `${userMiB.toFixed(0)} MiB`],
    ['whole: power on → active (PXE, ramdisk, write, reboot)', `${toActive.toFixed(1)} s`],
    ['whole: active → marker on the console', `${toMarker.toFixed(1)} s`],
    ['whole: power on → marker', `${whole.toFixed(1)} s`],
    ['  of which (timeline) image written', written.replace(/^image written\s*/, '')],
    ['A alone: ramdisk (-kernel/-initrd) → first heartbeat', `${parts.heartbeat.toFixed(1)} s`],
    ['B alone: the same image written from the ramdisk', `${parts.write.toFixed(1)} s`],
    ['C alone: the deployed disk booted to its marker', `${diskBoot.toFixed(1)} s`],
    ['sum of the parts A + B + C', `${sum.toFixed(1)} s`],
    ['ratio whole / sum (goal <= 1.3)', `${(whole / sum).toFixed(2)}x`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log(timeline.trimEnd());
} finally {
  spawnSync(join(import.meta.dirname, '../../bin/ooo'), ['lab', 'down', '--state-dir', stateDir]);
  await seed?.stop();
  rmSync(dir, { recursive: true, force: true });
}
