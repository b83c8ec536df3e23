// Starts a whole seed for a test: a temporary state directory, every service on 127.0.0.1 at a free
// port, identity bootstrapped with a random admin password. stop() shuts it down and removes the state.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type SeedConfig } from '../../src/platform/config/config.ts';
import { createLogger, type Logger, silentLogger } from '../../src/platform/log/logger.ts';
import type { ServiceDefinition } from '../../src/platform/service.ts';
import { bootstrapServiceUsers } from '../../src/seed/bootstrap.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { type Seed, startSeed } from '../../src/seed/start.ts';

export interface TestSeedOptions {
  /** Services to run (with what they need, and always identity); default all. */
  services?: string[];
  /** A postgres:// URL; default SQLite in the state directory. */
  databaseUrl?: string;
  /** Per-service settings, e.g. { identity: { tokenExpirationSeconds: 5 } }. */
  settings?: Record<string, Record<string, unknown>>;
  /** Service definitions to choose from; default every service of this build. */
  definitions?: readonly ServiceDefinition[];
  /** Where the seed logs (tests that inspect log lines); default silent, or OOO_TEST_LOG's level. */
  log?: Logger;
  /** Also create the service users (as `ooo seed bootstrap` does), for services that call others as themselves. */
  serviceUsers?: boolean;
}

export interface TestSeed {
  seed: Seed;
  config: SeedConfig;
  stateDir: string;
  /** Base URL of each service by name, e.g. urls.identity = http://127.0.0.1:41234 */
  urls: Record<string, string>;
  /** The identity v3 URL (OS_AUTH_URL). */
  authUrl: string;
  adminPassword: string;
  /** OS_* variables for /usr/bin/openstack as the admin user on the admin project. */
  cliEnv: Record<string, string>;
  /** OS_* variables for another user (password auth, project scope). */
  cliEnvFor(user: string, password: string, project: string): Record<string, string>;
  /** Creates (as admin, over the API) a user with `role` (default member) on `project`, creating the project
   * when missing. Returns its password, a token and CLI environment. */
  addUser(
    name: string,
    opts?: { project?: string; role?: string },
  ): Promise<{
    id: string;
    projectId: string;
    password: string;
    token: string;
    cliEnv: Record<string, string>;
  }>;
  /** A project-scoped token for a user of the Default domain; throws unless the identity service issues one. */
  tokenFor(user: string, password: string, project?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestSeed(opts: TestSeedOptions = {}): Promise<TestSeed> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ooo-seed-'));
  const defs = opts.definitions ?? ALL_SERVICES;
  const config: SeedConfig = {
    ...defaultConfig(stateDir),
    host: '127.0.0.1',
    ports: Object.fromEntries(defs.map((d) => [d.name, 0])),
    databaseUrl: opts.databaseUrl ?? '',
    // Identity always runs: every other service validates tokens through it.
    services:
      opts.services && !opts.services.includes('identity')
        ? ['identity', ...opts.services]
        : (opts.services ?? []),
    settings: opts.settings ?? {},
  };
  // OOO_TEST_LOG=debug shows the seed's log while a test runs.
  const log =
    opts.log ??
    (process.env.OOO_TEST_LOG ? createLogger({ level: process.env.OOO_TEST_LOG }) : silentLogger());
  let seed: Seed;
  try {
    seed = await startSeed(config, log, defs);
  } catch (e) {
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  const stop = async () => {
    try {
      await seed.stop();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  const adminPassword = `pw-${randomBytes(12).toString('base64url')}`;
  try {
    if (!seed.identity) throw new Error('the test seed runs no identity service');
    await seed.identity.bootstrap(seed.ctx, { adminPassword, region: config.region });
    if (opts.serviceUsers) await bootstrapServiceUsers(seed.ctx, config, seed.identity, defs, 'all');
  } catch (e) {
    await stop();
    throw e;
  }
  const urls = Object.fromEntries(seed.services.map((s) => [s.name, s.url]));
  const authUrl = `${urls.identity}/v3`;
  const cliEnvFor = (user: string, password: string, project: string) => ({
    OS_AUTH_TYPE: 'password',
    OS_AUTH_URL: authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: config.region,
    OS_INTERFACE: 'public',
  });
  const tokenFor = async (user: string, password: string, project?: string) => {
    const res = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
        },
      }),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`);
    return token;
  };
  const addUser = async (name: string, opts: { project?: string; role?: string } = {}) => {
    const project = opts.project ?? name;
    const admin = await tokenFor('admin', adminPassword, 'admin');
    type Ref = { id: string };
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${authUrl}${path}`, {
        method,
        headers: { 'x-auth-token': admin, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    };
    const q = encodeURIComponent;
    const found = (await api<{ projects: Ref[] }>('GET', `/projects?name=${q(project)}`)).projects[0];
    const projectId =
      found?.id ??
      (await api<{ project: Ref }>('POST', '/projects', { project: { name: project } })).project.id;
    const role = (await api<{ roles: Ref[] }>('GET', `/roles?name=${q(opts.role ?? 'member')}`)).roles[0];
    if (!role) throw new Error(`no role ${opts.role}`);
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const { user } = await api<{ user: Ref }>('POST', '/users', {
      user: { name, password, default_project_id: projectId },
    });
    await api('PUT', `/projects/${projectId}/users/${user.id}/roles/${role.id}`);
    const token = await tokenFor(name, password, project);
    return { id: user.id, projectId, password, token, cliEnv: cliEnvFor(name, password, project) };
  };
  return {
    seed,
    config,
    addUser,
    stateDir,
    urls,
    authUrl,
    adminPassword,
    cliEnv: cliEnvFor('admin', adminPassword, 'admin'),
    cliEnvFor,
    tokenFor,
    stop,
  };
}
