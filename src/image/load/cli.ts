// `ooo image load [-d] [--visibility V] FILE...`: tripleo-incubator's load-image. For NAME.qcow2 it uploads
// NAME.vmlinuz as NAME-vmlinuz (aki) and NAME.initrd as NAME-initrd (ari), then the disk image with
// kernel_id/ramdisk_id. An image whose name, size and md5 match the file is reused, so re-running is cheap.
// Only the disk images' ids go to stdout; progress and messages go to stderr.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../../platform/context.ts';
import { silentLogger } from '../../platform/log/logger.ts';
import { authenticate, credentialsFromEnv } from '../../platform/openstack-auth.ts';
import { ImageClient, type ImageDoc } from '../client.ts';
import { UploadMeter } from './progress.ts';

export interface LoadIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = 'usage: ooo image load [-d] [--visibility public|private|shared|community] FILE...\n';

const DISK_FORMATS: Record<string, string> = {
  '.qcow2': 'qcow2',
  '.raw': 'raw',
  '.img': 'raw',
  '.vhd': 'vhd',
  '.vhdx': 'vhdx',
  '.vmdk': 'vmdk',
  '.vdi': 'vdi',
  '.iso': 'iso',
};

interface Options {
  deleteFirst: boolean;
  visibility: string;
  files: string[];
}

export function parseLoadArgs(argv: string[]): Options | string {
  const out: Options = { deleteFirst: false, visibility: 'public', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-d' || a === '--delete') out.deleteFirst = true;
    else if (a === '--visibility') {
      const v = argv[++i];
      if (!v || !['public', 'private', 'shared', 'community'].includes(v))
        return `bad --visibility: ${v ?? ''}`;
      out.visibility = v;
    } else if (a === '-h' || a === '--help') return '';
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else out.files.push(a);
  }
  return out.files.length === 0 ? 'no image file given' : out;
}

export async function runImageLoad(argv: string[], io: LoadIo): Promise<number> {
  const opts = parseLoadArgs(argv);
  if (typeof opts === 'string') {
    io.stderr.write(opts ? `ooo image load: ${opts}\n${USAGE}` : USAGE);
    return opts ? 2 : 0;
  }
  const ctx: Ctx = { log: silentLogger(), signal: new AbortController().signal };
  try {
    const session = await authenticate(ctx, credentialsFromEnv(io.env));
    const client = new ImageClient(session.endpoint('image'), session.token);
    for (const file of opts.files) {
      const id = await loadOne(ctx, client, file, opts, io.stderr);
      io.stdout.write(`${id}\n`);
    }
    return 0;
  } catch (e) {
    io.stderr.write(`ooo image load: ${(e as Error).message}\n`);
    return 1;
  }
}

async function loadOne(
  ctx: Ctx,
  client: ImageClient,
  file: string,
  opts: Options,
  err: NodeJS.WritableStream,
) {
  const ext = extname(file);
  const name = basename(file, ext);
  const kernel = join(dirname(file), `${name}.vmlinuz`);
  const ramdisk = join(dirname(file), `${name}.initrd`);
  for (const f of [file, kernel, ramdisk])
    if (!existsSync(f)) throw new Error(`${f} not found: a disk image needs its kernel and initrd beside it`);
  const names = { kernel: `${name}-vmlinuz`, ramdisk: `${name}-initrd`, disk: name };
  if (opts.deleteFirst) {
    for (const n of Object.values(names))
      for (const img of await client.list(ctx, { name: n })) {
        err.write(`deleting ${n} (${img.id})\n`);
        await client.delete(ctx, img.id);
      }
  }
  const visibility = opts.visibility;
  const kernelId = await ensure(
    ctx,
    client,
    names.kernel,
    kernel,
    { disk_format: 'aki', container_format: 'aki', visibility },
    err,
  );
  const ramdiskId = await ensure(
    ctx,
    client,
    names.ramdisk,
    ramdisk,
    { disk_format: 'ari', container_format: 'ari', visibility },
    err,
  );
  return ensure(
    ctx,
    client,
    names.disk,
    file,
    {
      disk_format: DISK_FORMATS[ext] ?? 'qcow2',
      container_format: 'bare',
      visibility,
      kernel_id: kernelId,
      ramdisk_id: ramdiskId,
    },
    err,
  );
}

/** The id of an active image named `name` holding exactly this file, uploading it if there is none. */
async function ensure(
  ctx: Ctx,
  client: ImageClient,
  name: string,
  path: string,
  fields: Record<string, string>,
  err: NodeJS.WritableStream,
): Promise<string> {
  const size = statSync(path).size;
  // Hash the file only when an image of that name and size could be it.
  const sameSize = (await client.list(ctx, { name })).filter((i) => i.status === 'active' && i.size === size);
  if (sameSize.length > 0) {
    const md5 = await md5File(path);
    const match = sameSize.find((i) => i.checksum === md5);
    if (match) {
      await fixProperties(ctx, client, match, fields);
      err.write(`${name}: unchanged, reusing ${match.id}\n`);
      return match.id;
    }
  }
  const img = await client.create(ctx, { name, ...fields });
  const meter = new UploadMeter(name, size, err);
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const upload = client.upload(ctx, img.id, meter, size);
  await Promise.all([pipeline(source, meter).catch(() => {}), upload]);
  const done = await client.get(ctx, img.id);
  const md5 = meter.md5();
  if (done?.status !== 'active' || done.checksum !== md5)
    throw new Error(`${name}: the service holds checksum ${done?.checksum ?? 'none'}, the file has ${md5}`);
  err.write(`${name}: uploaded as ${img.id}\n`);
  return img.id;
}

/** A reused disk image must point at the kernel and ramdisk loaded now. */
async function fixProperties(ctx: Ctx, client: ImageClient, img: ImageDoc, fields: Record<string, string>) {
  const ops = ['kernel_id', 'ramdisk_id']
    .filter((k) => fields[k] !== undefined && img[k] !== fields[k])
    .map((k) => ({ op: 'add', path: `/${k}`, value: fields[k] }));
  if (ops.length > 0) await client.update(ctx, img.id, ops);
}

async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
