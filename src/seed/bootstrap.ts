// keystone-manage bootstrap for the seed: the admin project, user and roles, and every service this build
// serves in the catalog. Runs on a new state directory, and again at will (it is idempotent).
import type { IdentityClient } from '../identity/client.ts';
import type { SeedConfig } from '../platform/config/config.ts';
import type { Ctx } from '../platform/context.ts';
import {
  type AdminCredentials,
  newAdminPassword,
  recordedAdminPassword,
  writeCredentials,
} from './credentials.ts';

export const ADMIN_USER = 'admin';
export const ADMIN_PROJECT = 'admin';

/**
 * Bootstraps identity through its client and writes clouds.yaml and seedrc. The password is, in order:
 * the one given, the one recorded by an earlier bootstrap, or a new random one.
 */
export async function bootstrapSeed(
  ctx: Ctx,
  config: SeedConfig,
  identity: IdentityClient,
  identityUrl: string,
  password?: string,
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
  return creds;
}
