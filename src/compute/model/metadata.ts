// What an instance learns about itself: the OpenStack and EC2 metadata trees, as Nova's metadata service
// and config drive present them (version-gated keys, EC2 ids from internal integers). Pure: the caller
// supplies the random seed and every fact about the instance.

export interface InstanceFacts {
  uuid: string;
  name: string;
  /** Without the DHCP domain; the trees add it as Nova does (`<hostname>.novalocal`). */
  hostname: string;
  launchIndex: number;
  availabilityZone: string;
  projectId: string;
  /** The internal integer Nova turns into i-%08x and r-%08x. */
  internalId: number;
  reservationId: string;
  flavorName: string;
  /** The image's internal integer for ami-%08x. */
  imageInternalId: number;
  keys: { name: string; type: string; data: string }[];
  meta: Record<string, string>;
  userData?: Buffer;
  fixedIp?: string;
  networkData: Record<string, unknown>;
  vendorData: Record<string, unknown>;
  /** base64 of 512 random bytes. */
  randomSeed: string;
  rootDevice: string;
  ephemeralGb: number;
  swapMb: number;
}

export const DHCP_DOMAIN = 'novalocal';

/** OpenStack metadata versions, oldest first; `latest` is served beside them. */
export const OPENSTACK_VERSIONS = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
] as const;

export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
] as const;

const since = (version: string, first: string) => version === 'latest' || version >= first;

export function fqdn(f: InstanceFacts): string {
  return `${f.hostname}.${DHCP_DOMAIN}`;
}

/** `openstack/<version>/meta_data.json`. */
export function openstackMetaData(f: InstanceFacts, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    uuid: f.uuid,
    hostname: fqdn(f),
    name: f.name,
    launch_index: f.launchIndex,
    availability_zone: f.availabilityZone,
  };
  if (Object.keys(f.meta).length > 0) out.meta = f.meta;
  if (f.keys.length > 0) {
    out.public_keys = Object.fromEntries(f.keys.map((k) => [k.name, k.data]));
    out.keys = f.keys.map((k) => ({ name: k.name, type: k.type, data: k.data }));
  }
  if (since(version, '2013-04-04')) out.random_seed = f.randomSeed;
  if (since(version, '2015-10-15')) out.project_id = f.projectId;
  if (since(version, '2016-06-30')) out.devices = [];
  if (since(version, '2020-10-14')) out.dedicated_cpus = [];
  return out;
}

/** The files of `openstack/<version>/`, by name (user_data only when there is some). */
export function openstackFiles(f: InstanceFacts, version: string): Map<string, Buffer> {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const out = new Map<string, Buffer>([['meta_data.json', json(openstackMetaData(f, version))]]);
  if (f.userData !== undefined) out.set('user_data', f.userData);
  if (since(version, '2013-10-17')) out.set('vendor_data.json', json({}));
  if (since(version, '2015-10-15')) out.set('network_data.json', json(f.networkData));
  if (since(version, '2016-10-06')) out.set('vendor_data2.json', json(f.vendorData));
  return out;
}

const hex8 = (prefix: string, n: number) => `${prefix}-${n.toString(16).padStart(8, '0')}`;

/** The EC2 `meta-data` dictionary (a tree: sub-dictionaries are directories). */
export function ec2MetaData(f: InstanceFacts): Record<string, unknown> {
  const bdm: Record<string, string> = { ami: f.rootDevice.replace(/^\/dev\//, ''), root: f.rootDevice };
  if (f.ephemeralGb > 0) bdm.ephemeral0 = 'vdb';
  if (f.swapMb > 0) bdm.swap = f.ephemeralGb > 0 ? 'vdc' : 'vdb';
  const out: Record<string, unknown> = {
    'ami-id': hex8('ami', f.imageInternalId),
    'ami-launch-index': f.launchIndex,
    'ami-manifest-path': 'FIXME',
    'block-device-mapping': bdm,
    hostname: fqdn(f),
    'instance-action': 'none',
    'instance-id': hex8('i', f.internalId),
    'instance-type': f.flavorName,
    'local-hostname': fqdn(f),
    'local-ipv4': f.fixedIp ?? '',
    placement: { 'availability-zone': f.availabilityZone },
    'public-hostname': fqdn(f),
    'public-ipv4': '',
    'reservation-id': f.reservationId,
    'security-groups': ['default'],
  };
  // Only the first key, as Nova; an HTTP listing shows it as "0=<name>".
  const first = f.keys[0];
  if (first) out['public-keys'] = { '0': { 'openssh-key': first.data } };
  return out;
}

/** Every file of a config drive, by path, in Nova's layout (5.2). */
export function configDriveFiles(f: InstanceFacts): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const v of [...OPENSTACK_VERSIONS, 'latest'])
    for (const [name, data] of openstackFiles(f, v)) out.set(`openstack/${v}/${name}`, data);
  for (const v of ['2009-04-04', 'latest']) {
    out.set(`ec2/${v}/meta-data.json`, Buffer.from(JSON.stringify(ec2MetaData(f))));
    if (f.userData !== undefined) out.set(`ec2/${v}/user-data`, f.userData);
  }
  return out;
}
