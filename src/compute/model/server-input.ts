// POST /servers as Nova's schema checks it, at the request's microversion: the request made plain data,
// or Nova's 400 with its wording. Lookups (image, flavor, network, keypair) happen in the API. Pure.
import { badRequest } from '../../platform/errors/catalogue.ts';
import type { DiskConfig } from './server.ts';

export interface NetworkRequest {
  uuid?: string;
  port?: string;
  fixedIp?: string;
}

export interface ServerRequest {
  name: string;
  imageRef: string;
  flavorRef: string;
  keyName: string | undefined;
  /** Decoded user data. */
  userData: Buffer | undefined;
  configDrive: boolean;
  metadata: Record<string, string>;
  availabilityZone: string | undefined;
  minCount: number;
  maxCount: number;
  /** undefined: the default network; [] with `none`. */
  networks: NetworkRequest[] | undefined;
  description: string | null;
  tags: string[];
  accessIPv4: string;
  accessIPv6: string;
  diskConfig: DiskConfig | undefined;
  /** os:scheduler_hints.group. */
  group: string | undefined;
}

const KNOWN = new Set([
  'name',
  'imageRef',
  'flavorRef',
  'key_name',
  'user_data',
  'config_drive',
  'metadata',
  'availability_zone',
  'min_count',
  'max_count',
  'return_reservation_id',
  'networks',
  'description',
  'tags',
  'security_groups',
  'accessIPv4',
  'accessIPv6',
  'adminPass',
  'OS-DCF:diskConfig',
  'block_device_mapping_v2',
  'hostname',
]);

const bad = (field: string, v: unknown, why: string) =>
  badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${why}`);

/** The last path segment of an id or a link (Nova accepts either for imageRef and flavorRef). */
export function refId(v: string): string {
  return v.split('/').filter(Boolean).at(-1) ?? '';
}

function count(field: string, v: unknown): number {
  if (v === undefined) return 1;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw bad(field, v, `'${String(v)}' is not of type 'integer'`);
  if (n < 1) throw bad(field, v, `${n} is less than the minimum of 1`);
  return n;
}

/** Nova's metadata rules: string keys of 1..255 characters, string values of at most 255. */
export function parseMetadata(field: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field, v, "is not of type 'object'");
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.length < 1 || k.length > 255) throw bad(field, v, `'${k}' does not match any of the regexes`);
    if (typeof x !== 'string') throw bad(field, v, `${JSON.stringify(x)} is not of type 'string'`);
    if (x.length > 255) throw bad(field, v, `'${x.slice(0, 20)}...' is too long`);
    out[k] = x;
  }
  return out;
}

/** Nova's tag rules: 1..60 characters, no comma or slash; at most 50 per server. */
export function parseTag(t: unknown): string {
  if (typeof t !== 'string' || t.length < 1 || t.length > 60 || /[,/]/.test(t))
    throw badRequest(`Invalid tag ${JSON.stringify(t)}: 1 to 60 characters without ',' or '/'.`);
  return t;
}

function decodeUserData(v: unknown): Buffer | undefined {
  if (v === undefined || v === null) return undefined;
  const ok =
    typeof v === 'string' &&
    v.length <= 65535 &&
    /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(v) &&
    v.replace(/\s/g, '').length % 4 === 0;
  if (!ok) throw badRequest('User data needs to be valid base 64.');
  return Buffer.from(v as string, 'base64');
}

function configDrive(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|yes|1|on)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|no|0|off)$/i.test(v)) return false;
  throw bad('config_drive', v, "is not of type 'boolean'");
}

function networks(v: unknown, minor: number): NetworkRequest[] | undefined {
  if (v === undefined) return undefined;
  if (minor >= 37 && (v === 'auto' || v === 'none')) return v === 'none' ? [] : undefined;
  if (!Array.isArray(v)) throw bad('networks', v, "is not of type 'array'");
  return v.map((n) => {
    if (typeof n !== 'object' || n === null || Array.isArray(n))
      throw bad('networks', v, "is not of type 'object'");
    const r = n as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!['uuid', 'port', 'fixed_ip', 'tag'].includes(k))
        throw badRequest(`Additional properties are not allowed ('${k}' was unexpected)`);
    const str = (k: string) => {
      const x = r[k];
      if (x === undefined || x === null) return undefined;
      if (typeof x !== 'string' || x === '') throw bad(`networks/${k}`, x, "is not of type 'string'");
      return x;
    };
    const out: NetworkRequest = { uuid: str('uuid'), port: str('port'), fixedIp: str('fixed_ip') };
    if (out.port === undefined && out.uuid === undefined)
      throw badRequest('Bad networks format: network uuid is not in proper format (None)');
    if (out.fixedIp !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$|:/.test(out.fixedIp))
      throw badRequest(`Invalid fixed IP address (${out.fixedIp})`);
    return out;
  });
}

export function parseServerCreate(
  body: Record<string, unknown>,
  hints: unknown,
  minor: number,
): ServerRequest {
  for (const k of Object.keys(body))
    if (!KNOWN.has(k)) throw badRequest(`Additional properties are not allowed ('${k}' was unexpected)`);
  const name = body.name;
  if (name === undefined)
    throw badRequest("Invalid input for field/attribute server. 'name' is a required property");
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255 || name !== name.trim())
    throw bad('name', name, 'is not a valid server name');
  if (body.block_device_mapping_v2 !== undefined)
    throw badRequest('Block device mappings are not supported: there is no volume service.');
  securityGroups(body.security_groups);
  const imageRef = body.imageRef;
  if (typeof imageRef !== 'string' || refId(imageRef) === '') throw badRequest('Invalid imageRef provided.');
  const flavorRef = body.flavorRef;
  if ((typeof flavorRef !== 'string' && typeof flavorRef !== 'number') || refId(String(flavorRef)) === '')
    throw badRequest('Invalid flavorRef provided.');
  const keyName = body.key_name;
  if (keyName !== undefined && keyName !== null && typeof keyName !== 'string')
    throw bad('key_name', keyName, "is not of type 'string'");
  const az = body.availability_zone;
  if (az !== undefined && az !== null && typeof az !== 'string')
    throw bad('availability_zone', az, "is not of type 'string'");
  const minCount = count('min_count', body.min_count);
  const maxCount = body.max_count === undefined ? minCount : count('max_count', body.max_count);
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  let description: string | null = null;
  if (body.description !== undefined) {
    if (minor < 19) throw badRequest("Additional properties are not allowed ('description' was unexpected)");
    if (body.description !== null && (typeof body.description !== 'string' || body.description.length > 255))
      throw bad('description', body.description, 'is not a valid description');
    description = body.description as string | null;
  }
  let tags: string[] = [];
  if (body.tags !== undefined) {
    if (minor < 52) throw badRequest("Additional properties are not allowed ('tags' was unexpected)");
    if (!Array.isArray(body.tags) || body.tags.length > 50)
      throw bad('tags', body.tags, 'is not a list of 50 or fewer tags');
    tags = [...new Set(body.tags.map(parseTag))];
  }
  let group: string | undefined;
  if (hints !== undefined && hints !== null) {
    if (typeof hints !== 'object' || Array.isArray(hints))
      throw bad('os:scheduler_hints', hints, "is not of type 'object'");
    const g = (hints as Record<string, unknown>).group;
    if (g !== undefined) {
      if (typeof g !== 'string') throw bad('os:scheduler_hints/group', g, "is not of type 'string'");
      group = g;
    }
  }
  const ip = (k: 'accessIPv4' | 'accessIPv6') => accessIp(k, body[k]) ?? '';
  return {
    name,
    imageRef: refId(imageRef),
    flavorRef: refId(String(flavorRef)),
    keyName: keyName ?? undefined,
    userData: decodeUserData(body.user_data),
    configDrive: configDrive(body.config_drive),
    metadata: parseMetadata('metadata', body.metadata),
    availabilityZone: (az as string | null | undefined) ?? undefined,
    minCount,
    maxCount,
    networks: networks(body.networks, minor),
    description,
    tags,
    accessIPv4: ip('accessIPv4'),
    accessIPv6: ip('accessIPv6'),
    diskConfig: diskConfig(body['OS-DCF:diskConfig']),
    group,
  };
}

/**
 * An access IP as Nova's schema checks it (`format: ipv4` / `ipv6`) and shows it (netaddr's form: IPv6
 * compressed and lower case, an embedded IPv4 tail in hex). Undefined when absent; '' clears it.
 */
export function accessIp(k: 'accessIPv4' | 'accessIPv6', v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') return '';
  if (typeof v !== 'string') throw bad(k, v, "is not of type 'string'");
  const invalid = () =>
    badRequest(
      `Invalid input for field/attribute ${k}. Value: ${v}. '${v}' is not a '${k === 'accessIPv4' ? 'ipv4' : 'ipv6'}'`,
    );
  if (k === 'accessIPv4') {
    if (!isIP4(v)) throw invalid();
    return v;
  }
  if (!v.includes(':')) throw invalid();
  try {
    // The WHATWG host serializer writes an IPv6 address in RFC 5952's canonical form, as netaddr does.
    return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  } catch {
    throw invalid();
  }
}

const isIP4 = (v: string) =>
  /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v) && v.split('.').every((p) => Number(p) <= 255);

/**
 * `security_groups`: a bare metal server's port is the node's own NIC, where no security group is enforced
 * (Nova's ironic driver applies none), so only the project's `default` is accepted; naming another is a
 * 400 rather than a rule silently not applied.
 */
function securityGroups(v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw bad('security_groups', v, "is not of type 'array'");
  for (const g of v) {
    const name = (g as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name === '')
      throw bad('security_groups', v, "each item needs a 'name' string");
    if (name !== 'default')
      throw badRequest(
        `Security group ${name} cannot be applied: bare metal servers' ports enforce no security groups; only 'default' is accepted.`,
      );
  }
}

/** `OS-DCF:diskConfig`: AUTO or MANUAL (Nova's enum), undefined when absent. */
export function diskConfig(v: unknown): DiskConfig | undefined {
  if (v === undefined) return undefined;
  if (v !== 'AUTO' && v !== 'MANUAL') throw bad('OS-DCF:diskConfig', v, "is not one of ['AUTO', 'MANUAL']");
  return v;
}
