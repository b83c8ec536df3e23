// Subnet validation and defaults, as Neutron applies them: gateway (first host unless given or null),
// allocation pools (default: every host but the gateway; inside the CIDR, disjoint, not holding the
// gateway), DNS servers, host routes and the IPv6 address modes.
import { badInput, conflictError, invalidInput } from './errors.ts';
import {
  type Cidr,
  contains,
  formatCidr,
  formatIp,
  type IpVersion,
  lastAddress,
  parseCidr,
  parseIp,
} from './ip.ts';

export interface Pool {
  start: string;
  end: string;
}
export interface HostRoute {
  destination: string;
  nexthop: string;
}

export const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;
export type Ipv6Mode = (typeof IPV6_MODES)[number];

export interface SubnetInput {
  cidr?: unknown;
  ip_version?: unknown;
  /** undefined: the default gateway; null: no gateway. */
  gateway_ip?: unknown;
  allocation_pools?: unknown;
  dns_nameservers?: unknown;
  host_routes?: unknown;
  ipv6_ra_mode?: unknown;
  ipv6_address_mode?: unknown;
}

export interface SubnetSpec {
  cidr: string;
  ipVersion: IpVersion;
  gatewayIp: string | null;
  pools: Pool[];
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
  ipv6RaMode: Ipv6Mode | null;
  ipv6AddressMode: Ipv6Mode | null;
}

export const MAX_DNS_NAMESERVERS = 5;
export const MAX_HOST_ROUTES = 20;

/** The lowest and highest address a host may use: IPv4 keeps the network and broadcast addresses out. */
export function hostBounds(c: Cidr): { first: bigint; last: bigint } {
  const last = lastAddress(c);
  if (c.version === 4 && c.prefix >= 31) return { first: c.network, last };
  if (c.version === 6 && c.prefix === 128) return { first: c.network, last };
  // IPv6 reserves the subnet-router anycast address (the network address) but has no broadcast.
  return { first: c.network + 1n, last: c.version === 4 ? last - 1n : last };
}

export function validateSubnet(input: SubnetInput): SubnetSpec {
  if (typeof input.cidr !== 'string') throw invalidInput("'cidr' is required");
  const cidr = parseCidr(input.cidr);
  if (!cidr) throw invalidInput(`'${input.cidr}' is not a valid IP subnet.`);
  const version = input.ip_version === undefined ? cidr.version : Number(input.ip_version);
  if (version !== 4 && version !== 6) throw invalidInput(`${input.ip_version} is not in valid IP versions`);
  if (version !== cidr.version) throw invalidInput('Cidr and ip version mismatch');
  const { first } = hostBounds(cidr);
  const gatewayIp = subnetGateway(input.gateway_ip, cidr, first);
  const pools =
    input.allocation_pools === undefined || input.allocation_pools === null
      ? defaultPools(cidr, gatewayIp)
      : validatePools(input.allocation_pools, cidr, gatewayIp);
  const modes = validateIpv6Modes(input, cidr);
  return {
    cidr: formatCidr(cidr),
    ipVersion: cidr.version,
    gatewayIp,
    pools,
    dnsNameservers: validateNameservers(input.dns_nameservers, cidr.version),
    hostRoutes: validateHostRoutes(input.host_routes, cidr.version),
    ...modes,
  };
}

function subnetGateway(raw: unknown, cidr: Cidr, first: bigint): string | null {
  if (raw === null) return null;
  if (raw === undefined) return formatIp(cidr.version, first);
  const gw = typeof raw === 'string' ? parseIp(raw) : undefined;
  if (!gw) throw invalidInput(`'${String(raw)}' is not a valid IP address`);
  if (!contains(cidr, gw.version, gw.value))
    throw invalidInput(`Gateway IP ${raw} is not in subnet ${formatCidr(cidr)}`);
  const { first: lo, last: hi } = hostBounds(cidr);
  if (gw.value < lo || gw.value > hi)
    throw invalidInput(`Gateway is not valid on subnet. Gateway IP ${raw} is a reserved address`);
  return formatIp(gw.version, gw.value);
}

/** Every host address but the gateway, split in two around it when it sits inside. */
export function defaultPools(cidr: Cidr, gatewayIp: string | null): Pool[] {
  const { first, last } = hostBounds(cidr);
  const gw = gatewayIp === null ? undefined : parseIp(gatewayIp)?.value;
  const ranges: [bigint, bigint][] =
    gw === undefined || gw < first || gw > last
      ? [[first, last]]
      : [
          [first, gw - 1n],
          [gw + 1n, last],
        ];
  return ranges
    .filter(([a, b]) => a <= b)
    .map(([a, b]) => ({ start: formatIp(cidr.version, a), end: formatIp(cidr.version, b) }));
}

export function validatePools(raw: unknown, cidr: Cidr, gatewayIp: string | null): Pool[] {
  if (!Array.isArray(raw)) throw invalidInput("'allocation_pools' must be a list");
  const { first, last } = hostBounds(cidr);
  const parsed = raw.map((p: unknown) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const s = typeof o.start === 'string' ? parseIp(o.start) : undefined;
    const e = typeof o.end === 'string' ? parseIp(o.end) : undefined;
    if (!s || !e || s.version !== cidr.version || e.version !== cidr.version || s.value > e.value)
      throw badInput('InvalidAllocationPool', `The allocation pool ${o.start}-${o.end} is not valid.`);
    if (s.value < first || e.value > last)
      throw badInput(
        'OutOfBoundsAllocationPool',
        `The allocation pool ${o.start}-${o.end} spans beyond the subnet cidr ${formatCidr(cidr)}.`,
      );
    return { start: s.value, end: e.value };
  });
  const sorted = [...parsed].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.start <= prev.end) {
      const text = (p: { start: bigint; end: bigint }) =>
        `${formatIp(cidr.version, p.start)}-${formatIp(cidr.version, p.end)}`;
      throw conflictError(
        'OverlappingAllocationPools',
        `Found overlapping allocation pools: ${text(prev)} and ${text(cur)} for subnet ${formatCidr(cidr)}.`,
      );
    }
  }
  const gw = gatewayIp === null ? undefined : parseIp(gatewayIp)?.value;
  if (gw !== undefined)
    for (const p of sorted)
      if (gw >= p.start && gw <= p.end)
        throw conflictError(
          'GatewayConflictWithAllocationPools',
          `Gateway ip ${gatewayIp} conflicts with allocation pool ` +
            `${formatIp(cidr.version, p.start)}-${formatIp(cidr.version, p.end)}.`,
        );
  return sorted.map((p) => ({ start: formatIp(cidr.version, p.start), end: formatIp(cidr.version, p.end) }));
}

function validateNameservers(raw: unknown, version: IpVersion): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput("'dns_nameservers' must be a list");
  if (raw.length > MAX_DNS_NAMESERVERS)
    throw badInput(
      'DNSNameServersExhausted',
      `Unable to complete operation: exceeded maximum ${MAX_DNS_NAMESERVERS} nameservers.`,
    );
  const out: string[] = [];
  for (const r of raw) {
    const ip = typeof r === 'string' ? parseIp(r) : undefined;
    if (!ip) throw invalidInput(`'${String(r)}' is not a valid nameserver.`);
    if (ip.version !== version) throw invalidInput(`'${r}' is not of the subnet's IP version ${version}`);
    const text = formatIp(ip.version, ip.value);
    if (out.includes(text)) throw invalidInput(`Duplicate nameserver '${text}'`);
    out.push(text);
  }
  return out;
}

function validateHostRoutes(raw: unknown, version: IpVersion): HostRoute[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput("'host_routes' must be a list");
  if (raw.length > MAX_HOST_ROUTES)
    throw badInput(
      'HostRoutesExhausted',
      `Unable to complete operation: exceeded maximum ${MAX_HOST_ROUTES} host routes.`,
    );
  const out: HostRoute[] = [];
  for (const r of raw) {
    const o = (r ?? {}) as Record<string, unknown>;
    const dest = typeof o.destination === 'string' ? parseCidr(o.destination) : undefined;
    const hop = typeof o.nexthop === 'string' ? parseIp(o.nexthop) : undefined;
    if (!dest || !hop) throw invalidInput(`Invalid data format for hostroute: '${JSON.stringify(r)}'`);
    if (dest.version !== version || hop.version !== version)
      throw invalidInput(`Host route ${JSON.stringify(r)} is not of the subnet's IP version ${version}`);
    const route = { destination: formatCidr(dest), nexthop: formatIp(hop.version, hop.value) };
    if (out.some((x) => x.destination === route.destination && x.nexthop === route.nexthop))
      throw invalidInput(`Duplicate hostroute '${route.destination}'`);
    out.push(route);
  }
  return out;
}

function validateIpv6Modes(
  input: SubnetInput,
  cidr: Cidr,
): { ipv6RaMode: Ipv6Mode | null; ipv6AddressMode: Ipv6Mode | null } {
  const mode = (name: string, v: unknown): Ipv6Mode | null => {
    if (v === undefined || v === null) return null;
    if (!(IPV6_MODES as readonly unknown[]).includes(v))
      throw invalidInput(`'${String(v)}' is not in ${JSON.stringify(IPV6_MODES)} (${name})`);
    return v as Ipv6Mode;
  };
  const ra = mode('ipv6_ra_mode', input.ipv6_ra_mode);
  const addr = mode('ipv6_address_mode', input.ipv6_address_mode);
  if ((ra || addr) && cidr.version !== 6)
    throw invalidInput(
      'ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4',
    );
  if (ra && addr && ra !== addr)
    throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid.`);
  if ((addr ?? ra) !== null && (addr ?? ra) !== 'dhcpv6-stateful' && cidr.prefix !== 64)
    throw invalidInput(
      `Invalid CIDR ${formatCidr(cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`,
    );
  return { ipv6RaMode: ra, ipv6AddressMode: addr };
}

/** SLAAC and DHCPv6-stateless subnets: addresses come from the MAC (EUI-64), not from the pools. */
export function isAutoAddress(mode: Ipv6Mode | null): boolean {
  return mode === 'slaac' || mode === 'dhcpv6-stateless';
}

/** The EUI-64 address of a MAC in a /64 prefix (RFC 4291 appendix A). */
export function eui64(prefix: Cidr, mac: string): bigint {
  const bytes = mac.split(':').map((h) => Number.parseInt(h, 16));
  const b = [(bytes[0] ?? 0) ^ 0x02, bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]];
  let iid = 0n;
  for (const x of b) iid = (iid << 8n) | BigInt(x ?? 0);
  return prefix.network | iid;
}
