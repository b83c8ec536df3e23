// The `configdrive` of a deploy or rebuild: a string (a gzip+base64 ISO, passed to the agent as given) or,
// from 1.56, an object with meta_data, network_data, user_data and (1.59) vendor_data from which the service
// builds the drive, as Ironic does through openstacksdk's configdrive builder: the files of
// openstack/<version>/ for the versions 2012-08-10 and latest. Pure: the ISO is made by the caller.
import type { Dict } from './node.ts';
import { NodeInputError } from './node-input.ts';

export interface ConfigDriveContent {
  meta_data?: Dict;
  network_data?: Dict;
  user_data?: unknown;
  vendor_data?: Dict;
}

const KEYS_SINCE: Readonly<Record<string, number>> = {
  meta_data: 56,
  network_data: 56,
  user_data: 56,
  vendor_data: 59,
};

/** Checks a request's `configdrive`; undefined when absent. */
export function parseConfigDrive(v: unknown, minor: number): string | ConfigDriveContent | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new NodeInputError('configdrive must be a gzip+base64 string or, from API 1.56, an object.');
  if (minor < 56) throw new NodeInputError('A configdrive given as an object needs API version 1.56.', 406);
  const out: ConfigDriveContent = {};
  for (const [k, value] of Object.entries(v)) {
    const since = KEYS_SINCE[k];
    if (since === undefined)
      throw new NodeInputError(
        `Invalid configdrive key "${k}": allowed are ${Object.keys(KEYS_SINCE).join(', ')}.`,
      );
    if (since > minor)
      throw new NodeInputError(`The configdrive key ${k} needs API version 1.${since}.`, 406);
    if (value === null || value === undefined) continue;
    if (k === 'user_data') {
      if (typeof value !== 'string' && typeof value !== 'object')
        throw new NodeInputError('configdrive user_data must be a string, an object or a list.');
      out.user_data = value;
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value))
      throw new NodeInputError(`configdrive ${k} must be an object.`);
    out[k as 'meta_data' | 'network_data' | 'vendor_data'] = value as Dict;
  }
  return out;
}

/** The metadata versions a built drive carries (openstacksdk's default). */
export const CONFIG_DRIVE_VERSIONS = ['2012-08-10', 'latest'] as const;

/**
 * Every file of the drive by path. meta_data gets the node's UUID (and name) when it does not say, so
 * cloud-init always finds an instance id; user_data given as an object or list is written as JSON.
 */
export function configDriveTree(
  c: ConfigDriveContent,
  node: { uuid: string; name: string | null },
): Map<string, Buffer> {
  const meta: Dict = { ...(c.meta_data ?? {}) };
  if (meta.uuid === undefined) meta.uuid = node.uuid;
  if (meta.name === undefined && node.name !== null) meta.name = node.name;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const files = new Map<string, Buffer>();
  for (const version of CONFIG_DRIVE_VERSIONS) {
    const dir = `openstack/${version}`;
    files.set(`${dir}/meta_data.json`, json(meta));
    if (c.network_data !== undefined) files.set(`${dir}/network_data.json`, json(c.network_data));
    if (c.vendor_data !== undefined) files.set(`${dir}/vendor_data2.json`, json(c.vendor_data));
    if (c.user_data !== undefined)
      files.set(
        `${dir}/user_data`,
        typeof c.user_data === 'string' ? Buffer.from(c.user_data) : json(c.user_data),
      );
  }
  return files;
}
