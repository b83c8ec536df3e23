// The bench's server process: one identity service on 127.0.0.1 (SQLite file, default KDF cost) with two
// extra routes on the same Fastify app, so both go through the same hooks: an empty public route (the
// reference) and an empty route behind token validation. A second app validates with the cache off.
// Prints one JSON line {ports, tokens} when ready; exits when its stdin closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKeystoneError } from '../../src/identity/api/render.ts';
import { registerIdentityRoutes } from '../../src/identity/api/routes.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { IdentityCore } from '../../src/identity/core.ts';
import { parseSettings } from '../../src/identity/model/settings.ts';
import { identityMigrations } from '../../src/identity/store/migrations.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';

const TOKENS = 200;
const dir = mkdtempSync(join(tmpdir(), 'ooo-bench-identity-'));
const db = openDatabase(join(dir, 'ooo.sqlite'));
await migrate(db, 'identity', identityMigrations);
const keys = join(dir, 'fernet-keys');
const throttle = { maxFailures: 0 };
const core = await IdentityCore.open(db, keys, parseSettings({ throttle }));
const uncached = await IdentityCore.open(db, keys, parseSettings({ throttle, cacheEntries: 0 }));
await bootstrap(core, {
  adminPassword: 'bench-password',
  region: 'RegionOne',
  identityUrl: 'http://127.0.0.1/v3',
});

async function serve(c: IdentityCore): Promise<number> {
  const app = createServiceApp({
    name: 'identity',
    log: silentLogger(),
    render: renderKeystoneError,
    tokens: c,
  });
  registerIdentityRoutes(app, c);
  app.get('/bench/empty', { config: { public: true } }, async () => ({}));
  app.get('/bench/validated', async () => ({}));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const port = await serve(core);
const uncachedPort = await serve(uncached);
const tokens: string[] = [];
const body = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'admin', domain: { id: 'default' }, password: 'bench-password' } },
    },
    scope: { project: { name: 'admin', domain: { id: 'default' } } },
  },
});
for (let i = 0; i < TOKENS; i++) {
  const res = await fetch(`http://127.0.0.1:${port}/v3/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  tokens.push(res.headers.get('x-subject-token') ?? '');
}
process.stdout.write(`${JSON.stringify({ port, uncachedPort, tokens, body })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
