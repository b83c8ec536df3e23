// Reads and writes clouds.yaml the way openstacksdk finds and reads it (yaml.safe_load, so YAML 1.1),
// for tools of ours that authenticate like the openstack CLI.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { dumpYaml, loadYaml, type YamlData } from './yaml.ts';

export type YamlValue = YamlData;
export type YamlMapping = { [key: string]: YamlValue };

/** Where openstacksdk looks, in order. */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  const home = env.HOME ?? homedir();
  return [
    ...(env.OS_CLIENT_CONFIG_FILE ? [env.OS_CLIENT_CONFIG_FILE] : []),
    join(cwd, 'clouds.yaml'),
    join(home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

export function isMapping(v: YamlValue | undefined): v is YamlMapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The named cloud's settings from the first clouds.yaml that has it. */
export function findCloud(name: string, env: NodeJS.ProcessEnv, cwd?: string): YamlMapping {
  for (const path of cloudsYamlPaths(env, cwd)) {
    if (!existsSync(path)) continue;
    const cloud = cloudIn(parseCloudsYaml(readFileSync(path, 'utf8'), path), name);
    if (cloud) return cloud;
  }
  throw new Error(
    `cloud ${name} not found in clouds.yaml (looked in ${cloudsYamlPaths(env, cwd).join(', ')})`,
  );
}

export function cloudIn(doc: YamlMapping, name: string): YamlMapping | undefined {
  const clouds = doc.clouds;
  const cloud = isMapping(clouds) && Object.hasOwn(clouds, name) ? clouds[name] : undefined;
  return isMapping(cloud) ? cloud : undefined;
}

/** A clouds.yaml document; an empty file is an empty mapping, anything but a mapping is an error. */
export function parseCloudsYaml(text: string, source = 'clouds.yaml'): YamlMapping {
  const doc = loadYaml(text, { source }) as YamlValue;
  if (doc === null) return {};
  if (!isMapping(doc)) throw new Error(`${source}: expected a mapping at the top`);
  return doc;
}

/** clouds.yaml text for these clouds; strings PyYAML would read as another type come out quoted. */
export function cloudsYamlText(clouds: { [name: string]: YamlMapping }): string {
  return dumpYaml({ clouds });
}
