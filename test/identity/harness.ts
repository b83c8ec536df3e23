// In-process identity service for API tests: its own database (either engine), key repository and
// Fastify app driven with app.inject; bootstrapped with an admin user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { renderKeystoneError } from '../../src/identity/api/render.ts';
import { registerIdentityRoutes } from '../../src/identity/api/routes.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { IdentityCore } from '../../src/identity/core.ts';
import { parseSettings } from '../../src/identity/model/settings.ts';
import { identityMigrations } from '../../src/identity/store/migrations.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';

export const ADMIN_PASSWORD = 'admin-secret';

export interface Harness {
  app: FastifyInstance;
  core: IdentityCore;
  db: Database;
  keyDir: string;
  adminToken: string;
  /** Sends a request; `token` defaults to the admin token (pass null for none). */
  call(
    method: string,
    url: string,
    opts?: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<LightMyRequestResponse>;
  /** POST /v3/auth/tokens with a password; returns the response. */
  login(user: string, password: string, project?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    db?: Database;
    settings?: Record<string, unknown>;
    now?: () => number;
    /** Share another harness's key repository, as a second process on the same state would. */
    keyDir?: string;
  } = {},
): Promise<Harness> {
  const db = opts.db ?? openDatabase(':memory:');
  await migrate(db, 'identity', identityMigrations);
  const dir = mkdtempSync(join(tmpdir(), 'ooo-identity-'));
  const keyDir = opts.keyDir ?? join(dir, 'fernet-keys');
  // A cheaper KDF keeps the suite fast; the cost itself is tested in password.test.ts.
  const settings = parseSettings({ hashCostLog2: 10, ...opts.settings });
  const core = await IdentityCore.open(db, keyDir, settings, opts.now);
  const app = createServiceApp({
    name: 'identity',
    log: silentLogger(),
    render: renderKeystoneError,
    tokens: core,
  });
  registerIdentityRoutes(app, core);
  await app.ready();
  await bootstrap(core, {
    adminPassword: ADMIN_PASSWORD,
    region: 'RegionOne',
    identityUrl: 'http://id.test/v3',
  });

  const login = (user: string, password: string, project?: string) =>
    app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
        },
      },
    });
  const first = await login('admin', ADMIN_PASSWORD, 'admin');
  const adminToken = first.headers['x-subject-token'] as string;
  if (first.statusCode !== 201 || !adminToken) throw new Error(`admin login failed: ${first.body}`);

  const harness: Harness = {
    app,
    core,
    db,
    keyDir,
    adminToken,
    call(method, url, o = {}) {
      const token = o.token === undefined ? adminToken : o.token;
      const headers: Record<string, string> = { ...(token ? { 'x-auth-token': token } : {}), ...o.headers };
      if (o.raw !== undefined) {
        return app.inject({
          method: method as 'GET',
          url,
          headers: { 'content-type': 'application/json', ...headers },
          payload: o.raw,
        });
      }
      return app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(o.body === undefined ? {} : { payload: o.body as object }),
      });
    },
    login,
    async close() {
      await app.close();
      if (!opts.db) await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
