// keystone-manage bootstrap for the seed: the admin project, user and roles, a user for each service, and
// every service this build serves in the catalog. Runs on a new state directory, and again at will (it is
// idempotent).
import type { IdentityAdmin } from '../identity/client.ts';
import type { SeedConfig } from '../platform/config/config.ts';
import type { Ctx } from '../platform/context.ts';
import type { ServiceDefinition } from '../platform/service.ts';
import {
  type AdminCredentials,
  newAdminPassword,
  recordedAdminPassword,
  writeCredentials,
} from './credentials.ts';
import {
  ensureServiceCredentials,
  readServiceCredentials,
  serviceCredentialsPath,
} from './service-credentials.ts';
import { ALL_SERVICES } from './services.ts';

export const ADMIN_USER = 'admin';
export const ADMIN_PROJECT = 'admin';

/**
 * Bootstraps identity and writes clouds.yaml and seedrc, then the service users. The password is, in
 * order: the one given, the one recorded by an earlier bootstrap, or a new random one.
 */
export async function bootstrapSeed(
  ctx: Ctx,
  config: SeedConfig,
  identity: IdentityAdmin,
  identityUrl: string,
  password?: string,
  defs: readonly ServiceDefinition[] = ALL_SERVICES,
): Promise<AdminCredentials> {
  const creds: AdminCredentials = {
    authUrl: `${identityUrl}/v3`,
    username: ADMIN_USER,
    password: password ?? recordedAdminPassword(config.stateDir) ?? newAdminPassword(),
    projectName: ADMIN_PROJECT,
    region: config.region,
  };
  await identity.bootstrap(ctx, {
    adminPassword: creds.password,
    adminUsername: creds.username,
    projectName: creds.projectName,
    region: config.region,
  });
  writeCredentials(config.stateDir, creds);
  await bootstrapServiceUsers(ctx, config, identity, defs, 'all');
  return creds;
}

/**
 * Gives every service of the build (but identity) its user, with a generated password recorded in the
 * service credentials file. `which`: 'all' makes identity match the whole file (a bootstrap), 'new' only
 * the services the file did not list yet (a start of an existing seed: no key derivation for the others).
 */
export async function bootstrapServiceUsers(
  ctx: Ctx,
  config: SeedConfig,
  identity: IdentityAdmin,
  defs: readonly ServiceDefinition[],
  which: 'all' | 'new',
): Promise<string> {
  const path = serviceCredentialsPath(config);
  const before = readServiceCredentials(path);
  const creds = ensureServiceCredentials(path, defs);
  const users = Object.entries(creds)
    .filter(([service]) => which === 'all' || !before[service])
    .map(([, c]) => ({ name: c.username, password: c.password }));
  await identity.ensureServiceUsers(ctx, users);
  return path;
}
