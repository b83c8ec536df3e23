// The files this conductor serves to network-booting nodes (Ironic's http_root layout, reduced): one iPXE
// script per MAC (`<aa-bb-cc-dd-ee-ff>.ipxe`), and per node its deploy kernel and ramdisk as links to a
// local path or to a copy of an image service image fetched once into `images/`.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Ctx } from '../../platform/context.ts';
import { writeFileAtomic } from '../../platform/fs/atomic-write.ts';
import type { Node } from '../model/node.ts';
import { bootFileSource, macFileName } from '../model/pxe.ts';

export const DEPLOY_FILES = ['deploy_kernel', 'deploy_ramdisk'] as const;
export type DeployFile = (typeof DEPLOY_FILES)[number];

/** How the conductor reads an image's data (the image service's client, as this service). */
export interface ImageData {
  /** Streams the image's data into dest, rejecting when it does not match the image's checksum. */
  save(ctx: Ctx, id: string, dest: Writable): Promise<unknown>;
}

const MAC_FILE = /^([0-9a-f]{2}-){5}[0-9a-f]{2}\.ipxe$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class BootFiles {
  readonly #root: string;
  readonly #fetching = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.#root = root;
  }

  async writeScript(mac: string, text: string): Promise<void> {
    await mkdir(this.#root, { recursive: true, mode: 0o755 });
    writeFileAtomic(join(this.#root, `${macFileName(mac)}.ipxe`), text, { mode: 0o644 });
  }

  async removeScript(mac: string): Promise<void> {
    await rm(join(this.#root, `${macFileName(mac)}.ipxe`), { force: true });
  }

  /** A script by its file name (`aa-bb-….ipxe`), or undefined. */
  async script(name: string): Promise<string | undefined> {
    if (!MAC_FILE.test(name)) return undefined;
    return readFile(join(this.#root, name), 'utf8').catch(() => undefined);
  }

  /** The path of a node's deploy kernel or ramdisk, if staged. */
  async deployFile(node: string, name: string): Promise<{ path: string; size: number } | undefined> {
    if (!UUID.test(node) || !(DEPLOY_FILES as readonly string[]).includes(name)) return undefined;
    const path = join(this.#root, node, name);
    const s = await stat(path).catch(() => undefined);
    return s?.isFile() ? { path, size: s.size } : undefined;
  }

  /** Links the node's deploy kernel and ramdisk from driver_info (fetching image service images once). */
  async stage(ctx: Ctx, node: Node, images: ImageData): Promise<void> {
    const dir = join(this.#root, node.uuid);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    for (const name of DEPLOY_FILES) {
      const src = bootFileSource(node.driver_info[name]);
      if (!src) throw new Error(`driver_info.${name} is missing or not an image ID or absolute path`);
      const target = src.kind === 'path' ? src.path : await this.#image(ctx, src.id, images);
      const s = await stat(target).catch(() => undefined);
      if (!s?.isFile()) throw new Error(`driver_info.${name}: ${target} is not a file on this conductor`);
      // A fresh link renamed over the old one: a node being served meanwhile sees one or the other.
      const link = join(dir, name);
      const tmp = `${link}.${randomBytes(4).toString('hex')}`;
      await symlink(target, tmp);
      await rename(tmp, link);
    }
  }

  async removeNode(node: string): Promise<void> {
    if (UUID.test(node)) await rm(join(this.#root, node), { recursive: true, force: true });
  }

  /** An image's data under images/<id>, fetched and checked once (concurrent callers share the fetch). */
  #image(ctx: Ctx, id: string, images: ImageData): Promise<string> {
    if (!/^[\w.-]+$/.test(id)) return Promise.reject(new Error(`bad image ID ${JSON.stringify(id)}`));
    let p = this.#fetching.get(id);
    if (!p) {
      p = this.#fetch(ctx, id, images).finally(() => this.#fetching.delete(id));
      this.#fetching.set(id, p);
    }
    return p;
  }

  async #fetch(ctx: Ctx, id: string, images: ImageData): Promise<string> {
    const dir = join(this.#root, 'images');
    const path = join(dir, id);
    if ((await stat(path).catch(() => undefined))?.isFile()) return path;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const tmp = `${path}.part`;
    try {
      await images.save(ctx, id, createWriteStream(tmp, { mode: 0o644 }));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await rename(tmp, path);
    return path;
  }
}
