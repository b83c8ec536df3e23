// Lab deploy benchmark: one lab node deployed for real (a real `ooo seed up`, `ooo lab up --nodes 1`, PXE through
// our dnsmasq, the deploy ramdisk, a small whole-disk image: `debian vm boot-marker`, built by our image builder
// and cached) — power on → `active` → its marker on the console — against the sum of its parts, each measured
// alone in the same run:
//   A. the deploy ramdisk PXE-booted to its first heartbeat: SeaBIOS, iPXE, DHCP with the script's URL as
//      bootfile, the same iPXE script the bare metal service writes, kernel and ramdisk over HTTP — on QEMU's
//      user network (its DHCP, a fake conductor on loopback) instead of the lab's bridge and our dnsmasq,
//   B. the same image written from that ramdisk (standby.prepare_image onto a blank disk of the node's size),
//   C. the deployed disk (the node's disk after the deploy) booted to its marker.
// Both PXE boots are timed line by line from the serial console (when iPXE starts, DHCP answers, each file
// arrives, Linux starts, the agent starts and looks up), so the difference shows where it is.
// No timed asserts: it prints figures and ratios. Needs root, QEMU, ipmi_sim, dnsmasq and the openstack CLI.
// Run: node_modules/.bin/node bench/lab/deploy.ts
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ramdiskScript } from '../../src/baremetal/model/pxe.ts';
import { runLabDemo } from '../../src/lab/demo.ts';
import { buildDemoImages, IMAGEBUILDER_CACHE } from '../../src/lab/demo-images.ts';
import { run } from '../../src/platform/proc/run.ts';
import { startFakeConductor } from '../../test/agents/deploy/support/fake-conductor.ts';
import { ipmiSimUnavailable, testCtx } from '../../test/lab/ipmi-sim-support.ts';
import { startSeedProcess } from '../../test/support/seed-process.ts';

const MAC = '52:54:00:be:9c:01';
const DISK_GIB = 2;
const MEMORY_MIB = 768;
const MARKER = 'TRIPLEO-TS-BOOT-MARKER up';
const OOO = join(import.meta.dirname, '../../bin/ooo');

/** Milestones of a PXE boot of the deploy ramdisk on the serial console, in the order they come. */
const MILESTONES: [string, RegExp][] = [
  ['iPXE starts', /iPXE \(http|iPXE initialising/],
  ['DHCP answered (iPXE)', /Configuring \(net0[^\n]*?ok/],
  ['script fetched', /\.ipxe\.[^\n]*\bok\b/],
  ['kernel fetched', /deploy_kernel\.[^\n]*\bok\b/],
  ['ramdisk fetched', /deploy_ramdisk\.[^\n]*\bok\b/],
  ['Linux starts', /Linux version/],
  ['ramdisk DHCP (udhcpc)', /configured by DHCP/],
  ['agent starts', /deploy-agent INFO [\d.]+s starting/],
  ['agent looked up', /deploy-agent INFO [\d.]+s lookup: node/],
];

/** When (s after t0) each milestone first showed in `text`; call as the text grows. */
function milestoneClock(t0: number) {
  const seen = new Map<string, number>();
  return {
    see(text: string) {
      for (const [name, re] of MILESTONES)
        if (!seen.has(name) && re.test(text)) seen.set(name, (Date.now() - t0) / 1000);
    },
    seen,
  };
}

/** Follows a growing file (a lab machine's console.log), feeding a milestone clock. */
function followFile(path: string, clock: ReturnType<typeof milestoneClock>) {
  const t = setInterval(() => {
    try {
      clock.see(readFileSync(path, 'latin1'));
    } catch {}
  }, 250);
  return () => clearInterval(t);
}

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
function qemu(
  args: string[],
  until: (console: string) => boolean,
  limitS: number,
  clock?: ReturnType<typeof milestoneClock>,
) {
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
      clock?.see(out);
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

/**
 * A: the ramdisk PXE-booted to its first heartbeat (QEMU's DHCP hands out the iPXE script's URL, as our
 * dnsmasq does for the lab); B: the image written by it onto a blank disk of the node's size.
 */
async function ramdiskAlone(kernel: string, initramfs: string, image: string, work: string) {
  const conductor = await startFakeConductor({ macs: [MAC], heartbeatTimeout: 60 });
  const data = readFileSync(image);
  conductor.images.set('image.qcow2', data);
  const api = 'http://10.0.2.100:80';
  conductor.files.set('bench.ipxe', ramdiskScript({ api }, 'bench', {}));
  conductor.files.set('bench/deploy_kernel', readFileSync(kernel));
  conductor.files.set('bench/deploy_ramdisk', readFileSync(initramfs));
  const disk = join(work, 'blank.qcow2');
  qemuImg('create', '-f', 'qcow2', disk, `${DISK_GIB}G`);
  const sercon = join(work, 'sercon.bin');
  writeFileSync(sercon, Buffer.from([0xf8, 0x03])); // COM1 (0x3f8) for SeaBIOS and iPXE
  const port = Number(new URL(conductor.url).port);
  const agentPort = await freePort();
  const t0 = Date.now();
  const clock = milestoneClock(t0);
  // QEMU's user network answers iPXE's IPv6 router solicitation, as the lab's radvd does (router-adverts.ts)
  const vm = qemu(
    [
      '-machine',
      'pc',
      '-vga',
      'none',
      '-boot',
      'strict=on,menu=off,reboot-timeout=3000',
      '-fw_cfg',
      `name=etc/sercon-port,file=${sercon}`,
      '-netdev',
      `user,id=n0,restrict=on,bootfile=${api}/boot/bench.ipxe,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 ${port},hostfwd=tcp:127.0.0.1:${agentPort}-:9999`,
      '-device',
      `virtio-net-pci,netdev=n0,mac=${MAC},bootindex=1`,
      '-drive',
      `file=${disk},if=none,id=disk0,format=qcow2,cache=unsafe`,
      '-device',
      'virtio-blk-pci,drive=disk0',
    ],
    () => false,
    600,
    clock,
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
              id: 'bench',
              urls: ['http://10.0.2.100:80/images/image.qcow2'],
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
    return { heartbeat, write: (Date.now() - w0) / 1000, milestones: clock.seen };
  } finally {
    vm.stop();
    await conductor.close();
  }
}

/** The benchmark's image: `debian vm boot-marker` with the cloud kernel, from the image builder's cache. */
async function buildMarkerImage(
  ctx: ReturnType<typeof testCtx>,
  out: string,
): Promise<{ path: string; how: string }> {
  const t0 = Date.now();
  const r = await run(ctx, OOO, ['image', 'build', '-u', '-o', out, 'debian', 'vm', 'boot-marker'], {
    env: {
      ...process.env,
      ELEMENTS_PATH: '',
      DIB_IMAGE_CACHE: join(IMAGEBUILDER_CACHE, 'bench-image'),
      // system + 38 MiB of random bytes: a qcow2 of ≈ 256 MiB (the file the agent downloads, decodes and writes)
      DIB_BOOT_MARKER_PAD_MIB: '38',
      DIB_DEBIAN_KERNEL_FLAVOUR: 'cloud',
      DIB_DEBOOTSTRAP_CACHE: join(IMAGEBUILDER_CACHE, 'debootstrap'),
      TMP_DIR: join(dirname(out), 'tmp'),
    },
    allowFail: true,
  });
  const text = r.stdout + r.stderr;
  if (r.code !== 0) throw new Error(`building the benchmark image failed:\n${text.slice(-3000)}`);
  const how = /Build completed successfully in [^\n]*/.exec(text)?.[0] ?? '';
  return { path: `${out}.qcow2`, how: `${((Date.now() - t0) / 1000).toFixed(1)} s, ${how}` };
}

/** Bytes of data in a qcow2 (what the agent downloads, decodes and writes). */
function qcowInfo(path: string): { file: number; virtual: number } {
  const r = spawnSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' });
  const j = JSON.parse(r.stdout) as { 'actual-size': number; 'virtual-size': number };
  return { file: statSync(path).size, virtual: j['virtual-size'] };
}

const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
const stateDir = join(dir, 'state');
mkdirSync(stateDir, { mode: 0o700 });
const ctx = testCtx();
let seed: Awaited<ReturnType<typeof startSeedProcess>> | undefined;
let unfollow = () => {};
try {
  const images = await buildDemoImages(ctx, join(dir, 'images'), () => undefined);
  const bench = await buildMarkerImage(ctx, join(dir, 'images', 'bench'));
  const size = qcowInfo(bench.path);
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

  // The whole: one node, PXE → ramdisk → image written → reboot → active → marker; its console followed.
  const lab = milestoneClock(Date.now());
  let labClock = lab;
  const consolePath = join(stateDir, 'lab', 'node-0', 'console.log');
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
      userImage: bench.path,
      marker: MARKER,
      inspect: false,
      undeploy: false,
      waitS: 600,
      labArgs: ['--accel', 'tcg'],
    },
    {
      say: (line) => {
        // the deploy's power-on is the clock's zero: the console from then on is the deploy's PXE boot
        if (line.startsWith('demo: deploy ...')) {
          unfollow();
          const before = existsSync(consolePath) ? readFileSync(consolePath, 'latin1').length : 0;
          labClock = milestoneClock(Date.now());
          const c = labClock;
          unfollow = followFile(consolePath, { see: (t) => c.see(t.slice(before)), seen: c.seen });
        }
      },
    },
  );
  unfollow();
  const phase = (n: string) => demo.phases.find((p) => p.name === n)?.seconds ?? Number.NaN;
  const toActive = phase('deploy');
  const toMarker = phase('boot to the user image marker');
  const timeline = demo.timelines['node-0'] ?? '';
  const written = /image written[^\n]*/.exec(timeline)?.[0] ?? '';
  const rampUp = /ramdisk up\s+([\d.]+) s/.exec(timeline)?.[1];
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
    (c) => c.includes(MARKER),
    600,
  );
  const diskBoot = await boot.reached.finally(() => boot.stop());
  const parts = await ramdiskAlone(images.kernel, images.ramdisk, bench.path, dir);

  const whole = toActive + toMarker;
  const sum = parts.heartbeat + parts.write + diskBoot;
  const MiB = 2 ** 20;
  const rows: [string, string][] = [
    [
      'image (debian vm boot-marker, cloud kernel)',
      `${(size.file / MiB).toFixed(0)} MiB qcow2 (${(size.virtual / MiB).toFixed(0)} MiB virtual); ${bench.how}`,
    ],
    ['whole: power on → active (PXE, ramdisk, write, reboot)', `${toActive.toFixed(1)} s`],
    ['whole: active → marker on the console', `${toMarker.toFixed(1)} s`],
    ['whole: power on → marker', `${whole.toFixed(1)} s`],
    ['  of which (timeline) ramdisk up', `${rampUp ?? '?'} s`],
    ['  of which (timeline) image written', written.replace(/^image written\s*/, '')],
    ['A alone: PXE → ramdisk → first heartbeat', `${parts.heartbeat.toFixed(1)} s`],
    ['B alone: the same image written from the ramdisk', `${parts.write.toFixed(1)} s`],
    ['C alone: the deployed disk booted to its marker', `${diskBoot.toFixed(1)} s`],
    ['sum of the parts A + B + C', `${sum.toFixed(1)} s`],
    ['ratio whole / sum (goal <= 1.3)', `${(whole / sum).toFixed(2)}x`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log(
    '\nPXE boot milestones, seconds after power-on (lab: the deploy CLI started) / QEMU start (A):',
  );
  for (const [name] of MILESTONES) {
    const f = (m: Map<string, number>) => (m.has(name) ? `${m.get(name)!.toFixed(1)} s` : '-');
    console.log(
      `  ${name.padEnd(24)} lab ${f(labClock.seen).padStart(8)}   A ${f(parts.milestones).padStart(8)}`,
    );
  }
  console.log(timeline.trimEnd());
} finally {
  unfollow();
  spawnSync(OOO, ['lab', 'down', '--state-dir', stateDir]);
  await seed?.stop();
  rmSync(dir, { recursive: true, force: true });
}
