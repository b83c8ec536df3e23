// The two images the lab demo needs, built by our image builder with its caches kept under /var/tmp (a second
// build with the same inputs copies the outputs in seconds): the deploy ramdisk (debian + deploy-agent) and
// the user image (a whole disk: debian vm user-image); and for the HOWTO's servers with a data partition, the
// user image as a partition image (debian baremetal user-image: root filesystem, kernel and initrd).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDeployAgent } from '../agents/deploy/build.ts';
import type { Ctx } from '../platform/context.ts';
import { run } from '../platform/proc/run.ts';

const BIN = resolve(import.meta.dirname, '../../bin');
export const RAMDISK_CACHE = '/var/tmp/tripleo-ts-deploy-agent-cache';
export const IMAGEBUILDER_CACHE = '/var/tmp/tripleo-ts-imagebuilder-cache';

export interface DemoImages {
  kernel: string;
  ramdisk: string;
  user: string;
  /** What each build took and whether it came from the cache ("cache: outputs"). */
  builds: { name: string; seconds: number; how: string }[];
}

export async function buildDemoImages(
  ctx: Ctx,
  outDir: string,
  say: (line: string) => void,
  caches = { ramdisk: RAMDISK_CACHE, imagebuilder: IMAGEBUILDER_CACHE },
): Promise<DemoImages> {
  const deploy = await buildDeployRamdisk(ctx, outDir, say, caches);
  // -u: qcow2 compression only costs time here.
  await buildOne(
    ctx,
    say,
    deploy.builds,
    'user image',
    join(BIN, 'ooo'),
    ['image', 'build', '-u', '-o', join(outDir, 'user'), 'debian', 'vm', 'user-image'],
    {
      ELEMENTS_PATH: '',
      DIB_IMAGE_CACHE: join(caches.imagebuilder, 'user-image'),
      // the cloud kernel: the lab's machines are QEMU (virtio); the generic one's modules were half the disk
      DIB_DEBIAN_KERNEL_FLAVOUR: 'cloud',
      DIB_DEBOOTSTRAP_CACHE: join(caches.imagebuilder, 'debootstrap'),
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  return { ...deploy, user: join(outDir, 'user.qcow2') };
}

/** The deploy ramdisk alone (debian + deploy-agent): `deploy.kernel` and `deploy.initramfs` in outDir. */
export async function buildDeployRamdisk(
  ctx: Ctx,
  outDir: string,
  say: (line: string) => void,
  caches = { ramdisk: RAMDISK_CACHE, imagebuilder: IMAGEBUILDER_CACHE },
): Promise<Omit<DemoImages, 'user'>> {
  mkdirSync(outDir, { recursive: true });
  mkdirSync(caches.ramdisk, { recursive: true });
  const builds: Builds = [];
  // At a fixed path: the bundle's path is part of the builder's cache key (its content is too).
  const bundle = await buildDeployAgent(join(caches.ramdisk, 'agent'));
  await buildOne(
    ctx,
    say,
    builds,
    'deploy ramdisk',
    join(BIN, 'ramdisk-image-create'),
    ['-o', join(outDir, 'deploy'), 'debian', 'deploy-agent'],
    {
      DIB_IMAGE_CACHE: caches.ramdisk,
      DIB_DEBOOTSTRAP_CACHE: join(caches.imagebuilder, 'debootstrap'),
      DIB_DEPLOY_AGENT_BUNDLE: bundle,
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  return { kernel: join(outDir, 'deploy.kernel'), ramdisk: join(outDir, 'deploy.initramfs'), builds };
}

type Builds = DemoImages['builds'];

async function buildOne(
  ctx: Ctx,
  say: (line: string) => void,
  builds: Builds,
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<void> {
  const t0 = Date.now();
  say(`images: building ${name} (cached under /var/tmp after the first time) ...`);
  const r = await run(ctx, cmd, args, { env: { ...process.env, ...env }, allowFail: true });
  const out = r.stdout + r.stderr;
  if (r.code !== 0) throw new Error(`building ${name} failed (exit ${r.code}):\n${out.slice(-3000)}`);
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const how = /Build completed successfully in [^\n]*/.exec(out)?.[0] ?? '';
  builds.push({ name, seconds, how });
  say(`images: ${name} in ${seconds} s (${how})`);
}

export interface PartitionImage {
  /** NAME.qcow2 beside NAME.vmlinuz and NAME.initrd: what `ooo image load` uploads as one image. */
  qcow2: string;
  builds: Builds;
}

/**
 * The user image as a partition image (a root filesystem with its kernel and initrd): what a flavor with
 * ephemeral space needs, since the data partition is laid out beside the root (whole-disk images get none).
 */
export async function buildUserPartitionImage(
  ctx: Ctx,
  outDir: string,
  say: (line: string) => void,
  imagebuilderCache = IMAGEBUILDER_CACHE,
  name = 'user-part',
): Promise<PartitionImage> {
  mkdirSync(outDir, { recursive: true });
  const builds: Builds = [];
  await buildOne(
    ctx,
    say,
    builds,
    'user partition image',
    join(BIN, 'ooo'),
    ['image', 'build', '-u', '-o', join(outDir, name), 'debian', 'baremetal', 'user-image'],
    {
      ELEMENTS_PATH: '',
      DIB_IMAGE_CACHE: join(imagebuilderCache, 'user-image'),
      DIB_DEBIAN_KERNEL_FLAVOUR: 'cloud',
      DIB_DEBOOTSTRAP_CACHE: join(imagebuilderCache, 'debootstrap'),
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  return { qcow2: join(outDir, `${name}.qcow2`), builds };
}
