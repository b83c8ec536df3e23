// The images of the lab's "Baremetal with Heat" test: the deploy ramdisk (as the lab demo builds it) and the
// user image as a partition image (root filesystem + kernel + initrd, so the flavor's ephemeral partition
// exists and REBUILD_PRESERVE_EPHEMERAL can keep it), each from the image builder's cache under /var/tmp when
// its inputs did not change. Also runnable alone to warm the caches: node test/lab/heat-images.ts DIR.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDeployAgent } from '../../src/agents/deploy/build.ts';
import { IMAGEBUILDER_CACHE, RAMDISK_CACHE } from '../../src/lab/demo-images.ts';
import { runTool } from '../imagebuilder/support/run.ts';

const BIN = resolve(import.meta.dirname, '../../bin');

export interface HeatLabImages {
  deployKernel: string;
  deployRamdisk: string;
  /** user-part.qcow2 (the root filesystem), .vmlinuz and .initrd beside it. */
  userPart: string;
  builds: string[];
}

export async function buildHeatLabImages(outDir: string): Promise<HeatLabImages> {
  mkdirSync(outDir, { recursive: true });
  mkdirSync(RAMDISK_CACHE, { recursive: true });
  const builds: string[] = [];
  const build = async (name: string, cmd: string, args: string[], env: Record<string, string>) => {
    const t0 = Date.now();
    const r = await runTool(cmd, args, env);
    if (r.code !== 0) throw new Error(`building ${name} failed (exit ${r.code}):\n${r.out.slice(-3000)}`);
    const how = /Build completed successfully in [^\n]*/.exec(r.out)?.[0] ?? '';
    builds.push(`${name} ${Math.round((Date.now() - t0) / 1000)} s (${how})`);
  };
  const debootstrap = join(IMAGEBUILDER_CACHE, 'debootstrap');
  // At a fixed path: the bundle's path is part of the builder's cache key (its content is too).
  const bundle = await buildDeployAgent(join(RAMDISK_CACHE, 'agent'));
  await build(
    'deploy ramdisk',
    join(BIN, 'ramdisk-image-create'),
    ['-o', join(outDir, 'deploy'), 'debian', 'deploy-agent'],
    {
      DIB_IMAGE_CACHE: RAMDISK_CACHE,
      DIB_DEBOOTSTRAP_CACHE: debootstrap,
      DIB_DEPLOY_AGENT_BUNDLE: bundle,
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  await build(
    'user partition image',
    join(BIN, 'ooo'),
    ['image', 'build', '-u', '-o', join(outDir, 'user-part'), 'debian', 'baremetal', 'user-image'],
    {
      ELEMENTS_PATH: '',
      DIB_IMAGE_CACHE: join(IMAGEBUILDER_CACHE, 'user-image'),
      DIB_DEBIAN_KERNEL_FLAVOUR: 'cloud',
      DIB_DEBOOTSTRAP_CACHE: debootstrap,
      TMP_DIR: join(outDir, 'tmp'),
    },
  );
  return {
    deployKernel: join(outDir, 'deploy.kernel'),
    deployRamdisk: join(outDir, 'deploy.initramfs'),
    userPart: join(outDir, 'user-part'),
    builds,
  };
}

if (process.argv[1] === import.meta.filename) {
  const built = await buildHeatLabImages(resolve(process.argv[2] ?? 'heat-lab-images'));
  process.stdout.write(`${built.builds.join('\n')}\n`);
}
