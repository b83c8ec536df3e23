// Shared by the image tests: the service in-process (fake tokens), JSON helpers and a look at the store.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { imageService } from '../../src/image/index.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';

export const PATCH = 'application/openstack-images-v2.1-json-patch';

export async function startImages(settings: Record<string, unknown> = {}, databaseUrl?: string) {
  const s = await startServiceApp(imageService, {
    settings: { fsync: false, ...settings },
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  return Object.assign(s, helpers(s));
}

function helpers(s: TestServiceApp) {
  const call = async (token: string, method: string, url: string, payload?: unknown, headers = {}) => {
    const r = await s.app.inject({
      method: method as 'GET',
      url,
      headers: { ...s.as(token), ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    return {
      status: r.statusCode,
      body: r.body ? safeJson(r.body) : undefined,
      headers: r.headers,
      raw: r.rawPayload,
    };
  };
  return {
    call,
    async create(token: string, body: Record<string, unknown> = {}) {
      const r = await call(token, 'POST', '/v2/images', {
        disk_format: 'raw',
        container_format: 'bare',
        ...body,
      });
      if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown> & { id: string };
    },
    patch: (token: string, id: string, ops: unknown) =>
      call(token, 'PATCH', `/v2/images/${id}`, JSON.stringify(ops), { 'content-type': PATCH }),
    upload: (token: string, id: string, data: Buffer) =>
      call(token, 'PUT', `/v2/images/${id}/file`, data, { 'content-type': 'application/octet-stream' }),
    /** Every file under <stateDir>/images, staging included, sorted. */
    storeFiles(): string[] {
      const dir = join(s.stateDir, 'images');
      return [
        ...readdirSync(dir).filter((n) => n !== 'staging'),
        ...readdirSync(join(dir, 'staging')).map((n) => `staging/${n}`),
      ].sort();
    },
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
