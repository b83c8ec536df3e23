// The files an operator points the openstack CLI at: STATE/clouds.yaml (cloud "seed") and STATE/seedrc.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** YAML by hand: a fixed, flat shape whose values are quoted JSON strings (valid YAML scalars). */
export function cloudsYaml(c: AdminCredentials): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'clouds:',
    `  ${CLOUD_NAME}:`,
    '    auth_type: password',
    '    auth:',
    `      auth_url: ${q(c.authUrl)}`,
    `      username: ${q(c.username)}`,
    `      password: ${q(c.password)}`,
    `      project_name: ${q(c.projectName)}`,
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '    identity_api_version: 3',
    `    region_name: ${q(c.region)}`,
    '    interface: public',
    '',
  ].join('\n');
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
  const path = join(stateDir, 'clouds.yaml');
  if (!existsSync(path)) return undefined;
  const m = /^\s+password: (".*")$/m.exec(readFileSync(path, 'utf8'));
  return m?.[1] ? (JSON.parse(m[1]) as string) : undefined;
}
