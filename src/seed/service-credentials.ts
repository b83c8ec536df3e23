// The service users' credentials: one user per service (in the `service` project, with the `service` role),
// created by the bootstrap where identity runs, their passwords in a private file (mode 0600) of that state
// directory. A process that serves other services elsewhere is given the file (serviceCredentials).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedConfig } from '../platform/config/config.ts';
import { writeFileAtomic } from '../platform/fs/atomic-write.ts';
import type { OsCredentials } from '../platform/openstack-auth.ts';
import { type ServiceDefinition, TOKEN_AUTHORITY } from '../platform/service.ts';

export const SERVICE_PROJECT = 'service';

export interface ServiceUserCredentials {
  username: string;
  password: string;
}

/** service name → its user's credentials. */
export type ServiceCredentialsFile = Record<string, ServiceUserCredentials>;

export function serviceCredentialsPath(config: SeedConfig): string {
  return config.serviceCredentials || join(config.stateDir, 'service-credentials.json');
}

/** The user a service logs in as: its catalog name, as OpenStack names them (glance, neutron, ironic). */
export function serviceUserName(def: ServiceDefinition): string {
  return def.catalog[0]?.name ?? def.name;
}

/** Every service but the token authority has a user: each validates tokens at identity when apart. */
export function servicesWithUsers(defs: readonly ServiceDefinition[]): ServiceDefinition[] {
  return defs.filter((d) => d.name !== TOKEN_AUTHORITY);
}

export function readServiceCredentials(path: string): ServiceCredentialsFile {
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path}: expected an object of service name → { username, password }`);
  const out: ServiceCredentialsFile = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    const c = v as Partial<ServiceUserCredentials> | null;
    if (typeof c?.username !== 'string' || typeof c.password !== 'string' || c.password === '')
      throw new Error(`${path}: ${name}: expected { "username": ..., "password": ... }`);
    out[name] = { username: c.username, password: c.password };
  }
  return out;
}

/** Adds a generated password for each service missing from the file; returns the whole file's content. */
export function ensureServiceCredentials(
  path: string,
  defs: readonly ServiceDefinition[],
): ServiceCredentialsFile {
  const creds = readServiceCredentials(path);
  let changed = false;
  for (const def of servicesWithUsers(defs)) {
    if (creds[def.name]) continue;
    creds[def.name] = { username: serviceUserName(def), password: randomBytes(24).toString('base64url') };
    changed = true;
  }
  if (changed) {
    // Written whole, then renamed: a reader never sees half a file.
    writeFileAtomic(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  }
  return creds;
}

/** How a service logs in: its user in the service project, at the identity service's URL. */
export function serviceLogin(
  path: string,
  service: string,
  identityUrl: string,
  region: string,
): OsCredentials {
  const c = readServiceCredentials(path)[service];
  if (!c)
    throw new Error(
      `no credentials for the ${service} service's user in ${path}: run \`ooo seed bootstrap\` where identity runs and give this process its service-credentials.json (serviceCredentials, OOO_SERVICE_CREDENTIALS or --service-credentials)`,
    );
  return {
    authUrl: `${identityUrl}/v3`,
    username: c.username,
    password: c.password,
    projectName: SERVICE_PROJECT,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    regionName: region,
    interface: 'internal',
  };
}
