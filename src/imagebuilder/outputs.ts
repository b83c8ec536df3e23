// Image files from the finished tree, and putting them in place the way the original does.
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Ctx } from './ctx.ts';
import {
  assembleDisk,
  autoSizeKiB,
  convertImage,
  makeFilesystem,
  requestedSizeKiB,
  treeSizeKiB,
  writeTar,
} from './disk.ts';
import type { Options } from './options.ts';
import { run } from './proc.ts';

export interface OutputPlan {
  tree: string;
  imageDir: string;
  env: Record<string, string>;
  o: Options;
  /** time a step and report it in the profile */
  step: <T>(name: string, f: () => Promise<T>) => Promise<T>;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}.${p(d.getMonth() + 1)}.${p(d.getDate())}-${p(d.getHours())}.${p(d.getMinutes())}.${p(d.getSeconds())}`;
}

/** Moves a finished file into place; an existing one is kept under a dated name unless OVERWRITE_OLD_IMAGE. */
export function finishImage(tmp: string, final: string, env: Record<string, string | undefined>): void {
  if (existsSync(final) && !Number(env['OVERWRITE_OLD_IMAGE'] || 0)) {
    const dot = final.lastIndexOf('.');
    const old = `${final.slice(0, dot)}-${stamp(new Date())}${final.slice(dot)}`;
    renameSync(final, old);
  }
  renameSync(tmp, final);
}

/** tar first (from the tree), then the filesystem, the optional partitioned disk, and conversions; raw last. */
export async function writeOutputs(ctx: Ctx, p: OutputPlan): Promise<string[]> {
  const { o, env } = p;
  const name = o.imageName;
  const written: string[] = [];
  if (o.types.includes('tar')) {
    await p.step('tar', () => writeTar(ctx, p.tree, `${name}.tar-new`));
    finishImage(`${name}.tar-new`, `${name}.tar`, env);
    written.push(`${name}.tar`);
  }
  if (o.types.includes('tgz')) {
    await p.step('tgz', () =>
      run(ctx, 'bash', ['-c', 'gzip -9 < "$1" > "$2"', 'tgz', `${name}.tar`, `${name}.tgz-new`]),
    );
    finishImage(`${name}.tgz-new`, `${name}.tgz`, env);
    written.push(`${name}.tgz`);
  }
  const diskTypes = o.types.filter((t) => t === 'qcow2' || t === 'raw');
  if (diskTypes.length === 0) return written;
  const fsType = env['FS_TYPE'] ?? 'ext4';
  const sizeKiB = o.imageSize
    ? requestedSizeKiB(o.imageSize)
    : autoSizeKiB(await treeSizeKiB(ctx, p.tree), fsType);
  const fsImage = join(p.imageDir, 'root.fs');
  await p.step('mkfs', () =>
    makeFilesystem(
      ctx,
      {
        fsType,
        label: env['DIB_ROOT_LABEL'] ?? 'cloudimg-rootfs',
        uuid: env['DIB_IMAGE_ROOT_FS_UUID'],
        extra: o.mkfsOptions,
        sizeKiB,
        maxOnlineResize: o.maxOnlineResize,
      },
      p.tree,
      fsImage,
    ),
  );
  let raw = fsImage;
  if (env['DIB_PARTITION_LAYOUT'] === 'mbr') {
    raw = join(p.imageDir, 'image.raw');
    const bootImg = join(p.tree, 'boot', 'grub', 'i386-pc', 'boot.img');
    const coreImg = join(p.tree, 'boot', 'grub', 'dib-core.img');
    const boot = existsSync(bootImg) && existsSync(coreImg) ? { bootImg, coreImg } : undefined;
    await p.step('partition', () => assembleDisk(ctx, fsImage, raw, boot));
  }
  for (const t of diskTypes.filter((t) => t !== 'raw')) {
    await p.step(t, () => convertImage(ctx, raw, t, `${name}.${t}-new`, o.compress, o.qemuImgOptions));
    finishImage(`${name}.${t}-new`, `${name}.${t}`, env);
    written.push(`${name}.${t}`);
  }
  if (diskTypes.includes('raw')) {
    await run(ctx, 'mv', [raw, `${name}.raw-new`]);
    finishImage(`${name}.raw-new`, `${name}.raw`, env);
    written.push(`${name}.raw`);
  }
  return written;
}

/** Files named NAME.* (and the NAME.d directory) created or changed (ctime) since the build started: what the cache keeps. */
export function producedFiles(imageName: string, since: number): string[] {
  const dir = dirname(imageName);
  const base = basename(imageName);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && !f.endsWith('-new'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).ctimeMs >= since - 1000)
    .sort();
}
