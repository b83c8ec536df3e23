// The two images the lab demo needs, built by our image builder with its caches kept under /var/tmp (a second
// build with the same inputs copies the outputs in seconds): the deploy ramdisk (debian + deploy-agent) and
// the user image (a whole disk: debian vm user-image).
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
  mkdirSync(outDir, { recursive: true });
  mkdirSync(caches.ramdisk, { recursive: true });
  const builds: DemoImages['builds'] = [];
  const build = async (name: string, cmd: string, args: string[], env: Record<string, string>) => {
    const t0 = Date.now();
    say(`images: building ${name} (cached under /var/tmp after the first time) ...`);
    const r = await run(ctx, cmd, args, { env: { ...process.env, ...env }, allowFail: true });
    const out = r.stdout + r.stderr;
    if (r.code !== 0) throw new Error(`building ${name} failed (exit ${r.code}):\n${out.slice(-3000)}`);
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    const how = /Build completed successfully in [^\n]*/.exec(out)?.[0] ?? '';
    builds.push({ name, seconds, how });
    say(`images: ${name} in ${seconds} s (${how})`);
  };
  // At a fixed path: the bundle's path is part of the builder's cache key (its content is too).
  const bundle = await buildDeployAgent(join(caches.ramdisk, 'agent'));
  const debootstrap = join(caches.imagebuilder, 'debootstrap');
  await build(
    'deploy ramdisk',
    join(BIN, 'ramdisk-image-create'),
    ['-o', join(outDir, 'deploy'), 'debian', 'deploy-agent'],
    {
      DIB_IMAGE_CACHE: caches.ramdisk,
      DIB_DEBOOTSTRAP_CACHE: debootstrap,
      DIB_DEPLOY_AGENT_BUNDLE: bundle,
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  // -u: qcow2 compression only costs time here.
  await build(
    'user image',
    join(BIN, 'ooo'),
    ['image', 'build', '-u', '-o', join(outDir, 'user'), 'debian', 'vm', 'user-image'],
    {
      ELEMENTS_PATH: '',
      DIB_IMAGE_CACHE: join(caches.imagebuilder, 'user-image'),
      // the cloud kernel: the lab's machines are QEMU (virtio); the generic one's modules were half the disk
      DIB_DEBIAN_KERNEL_FLAVOUR: 'cloud',
      DIB_DEBOOTSTRAP_CACHE: debootstrap,
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  return {
    kernel: join(outDir, 'deploy.kernel'),
    ramdisk: join(outDir, 'deploy.initramfs'),
    user: join(outDir, 'user.qcow2'),
    builds,
  };
}
