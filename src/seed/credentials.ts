// The files an operator points the openstack CLI at: STATE/clouds.yaml (cloud "seed") and STATE/seedrc.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloudIn, cloudsYamlText, isMapping, parseCloudsYaml } from '../platform/clouds-yaml.ts';

export interface AdminCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  region: string;
}

export const CLOUD_NAME = 'seed';

export function newAdminPassword(): string {
  return randomBytes(18).toString('base64url');
}

export function cloudsYaml(c: AdminCredentials): string {
  return cloudsYamlText({
    [CLOUD_NAME]: {
      auth_type: 'password',
      auth: {
        auth_url: c.authUrl,
        username: c.username,
        password: c.password,
        project_name: c.projectName,
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      identity_api_version: 3,
      region_name: c.region,
      interface: 'public',
    },
  });
}

export function seedrc(c: AdminCredentials): string {
  const sh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    '# Source this file to use the openstack CLI against the seed as its administrator.',
    'export OS_AUTH_TYPE=password',
    `export OS_AUTH_URL=${sh(c.authUrl)}`,
    `export OS_USERNAME=${sh(c.username)}`,
    `export OS_PASSWORD=${sh(c.password)}`,
    `export OS_PROJECT_NAME=${sh(c.projectName)}`,
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    'export OS_IDENTITY_API_VERSION=3',
    `export OS_REGION_NAME=${sh(c.region)}`,
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
}

export function writeCredentials(stateDir: string, c: AdminCredentials): void {
  writeFileSync(join(stateDir, 'clouds.yaml'), cloudsYaml(c), { mode: 0o600 });
  writeFileSync(join(stateDir, 'seedrc'), seedrc(c), { mode: 0o600 });
}

/** The admin password recorded by an earlier bootstrap of this state directory, if any. */
export function recordedAdminPassword(stateDir: string): string | undefined {
  const password = recordedAuth(stateDir)?.password;
  return typeof password === 'string' ? password : undefined;
}

/**
 * A seed started again on an existing state may listen elsewhere (other ports, another offset): the
 * operator's files then name the new identity URL, with the credentials they already held. True when they
 * were rewritten; nothing is done without a recorded bootstrap.
 */
export function refreshAuthUrl(stateDir: string, authUrl: string, region: string): boolean {
  const auth = recordedAuth(stateDir);
  if (!auth || auth.auth_url === authUrl) return false;
  const text = (key: string, fallback: string) => (typeof auth[key] === 'string' ? auth[key] : fallback);
  const password = auth.password;
  if (typeof password !== 'string') return false;
  writeCredentials(stateDir, {
    authUrl,
    username: text('username', 'admin'),
    password,
    projectName: text('project_name', 'admin'),
    region,
  });
  return true;
}

function recordedAuth(stateDir: string): Record<string, unknown> | undefined {
  const path = join(stateDir, 'clouds.yaml');
  if (!existsSync(path)) return undefined;
  const auth = cloudIn(parseCloudsYaml(readFileSync(path, 'utf8'), path), CLOUD_NAME)?.auth;
  return isMapping(auth) ? auth : undefined;
}
