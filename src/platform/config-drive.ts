// Builds a config drive with the real xorriso, as Nova builds one with genisoimage: ISO 9660 with Joliet
// and Rock Ridge, volume label config-2; then gzip + base64, the form the bare metal service accepts.
// Shared: compute builds drives for its instances, bare metal builds one from a deploy's JSON configdrive.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Ctx } from './context.ts';

const run = promisify(execFile);
const gz = promisify(gzip);

export const XORRISO = '/usr/bin/xorriso';
export const CONFIG_DRIVE_LABEL = 'config-2';

/** The ISO image of a config drive holding `files` (paths relative to its root). */
export async function buildConfigDrive(ctx: Ctx, files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'ooo-configdrive-'));
  try {
    const tree = join(dir, 'tree');
    for (const [path, data] of files) {
      if (path.startsWith('/') || path.split('/').includes('..'))
        throw new Error(`bad config drive path ${path}`);
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), data);
    }
    const iso = join(dir, 'configdrive.iso');
    // The genisoimage options Nova passes, through xorriso's mkisofs emulation.
    await run(
      XORRISO,
      [
        '-as',
        'genisoimage',
        '-o',
        iso,
        '-ldots',
        '-allow-lowercase',
        '-allow-multidot',
        '-l',
        '-publisher',
        'tripleo-ts',
        '-quiet',
        '-J',
        '-r',
        '-V',
        CONFIG_DRIVE_LABEL,
        tree,
      ],
      { signal: ctx.signal, maxBuffer: 4 * 1024 * 1024 },
    );
    return await readFile(iso);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** gzip then base64: `configdrive` in the bare metal provision body (Nova's ironic driver does the same). */
export async function packForBaremetal(iso: Buffer): Promise<string> {
  return (await gz(iso)).toString('base64');
}
