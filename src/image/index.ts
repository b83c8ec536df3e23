// The image service (Glance v2) as a plugin of the seed: its tables, its routes, its file store under
// <stateDir>/images, and its in-process client for other services.
import { join } from 'node:path';
import type { ServiceDefinition } from '../platform/service.ts';
import { registerData } from './api/data.ts';
import type { Limits } from './api/deps.ts';
import { registerDiscovery } from './api/discovery.ts';
import { registerImages } from './api/images.ts';
import { registerMembers } from './api/members.ts';
import { renderGlanceError } from './api/render.ts';
import { imageServiceClient } from './client.ts';
import { DataStore } from './store/data.ts';
import { ImageStore } from './store/images.ts';
import { imageMigrations } from './store/migrations.ts';
import { recoverInterrupted } from './worker/recover.ts';

/** Glance's default image_size_cap: 1 TiB. */
export const DEFAULT_SIZE_CAP = 1024 ** 4;

export interface ImageSettings extends Limits {
  /** fsync data and directory before an image becomes active (off only for throwaway test seeds). */
  fsync: boolean;
}

export function imageSettings(raw: Record<string, unknown>): ImageSettings {
  const num = (k: string, d: number) => {
    const v = raw[k];
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new Error(`image settings: ${k} must be a whole number of bytes`);
    return v;
  };
  return {
    sizeCap: num('sizeCap', DEFAULT_SIZE_CAP),
    projectQuota: num('projectQuota', 0),
    fsync: raw.fsync === undefined ? true : raw.fsync === true,
  };
}

export const imageService: ServiceDefinition<'image', 'identity'> = {
  name: 'image',
  defaultPort: 9292,
  catalog: [{ type: 'image', name: 'glance', path: '' }],
  migrations: imageMigrations,
  needs: ['identity'],
  // JSON bodies are small; image data bypasses this limit through its own streaming parser.
  bodyLimit: 1024 * 1024,
  async create(deps) {
    const settings = imageSettings(deps.settings);
    const images = new ImageStore(deps.db);
    const data = new DataStore(join(deps.stateDir, 'images'), { sync: settings.fsync });
    await data.init();
    await recoverInterrupted(deps.ctx, images, data, deps.events);
    const api = { ctx: deps.ctx, images, data, events: deps.events, limits: settings };
    const client = imageServiceClient(() => {
      const url = deps.urls.get('image');
      if (!url) throw new Error('the image service is not listening yet');
      return url;
    });
    return {
      client,
      render: renderGlanceError,
      register(app) {
        registerDiscovery(app);
        registerImages(app, api);
        registerMembers(app, api);
        registerData(app, api);
      },
    };
  },
  remote: (target) => imageServiceClient(() => target.url),
};
