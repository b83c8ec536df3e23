// Security group rules and names as neutron's securitygroup extension validates them: protocols by name or
// number (legacy IPv6 ICMP spellings made canonical), port ranges per protocol (TCP-like ports, ICMP type
// and code), ethertype consistency with the protocol and the remote prefix, and the reserved name "default".
import { badInput, conflictError, invalidInput } from './errors.ts';
import { formatCidr, parseCidr } from './ip.ts';

export interface RuleSpec {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
}

// IANA protocol numbers of the names Neutron accepts (neutron_lib's IP_PROTOCOL_MAP).
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 4,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};
// Protocols whose port range is a range of ports; ICMP's is (type, code).
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
const ICMP_PROTOCOLS = new Set([1, 58]);
// Protocols that exist only for IPv6, so an IPv4 rule cannot use them.
const IPV6_ONLY = new Set([41, 43, 44, 58, 59, 60]);

/** The number of a protocol as stored (a name or a decimal string). */
export function protocolNumber(protocol: string): number {
  return PROTOCOL_NUMBERS[protocol] ?? Number(protocol);
}

/** A protocol as given: absent/any → null, else a known name (lower case) or a number 0–255 as a string. */
export function parseProtocol(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '' || raw === 'any') return null;
  const text = String(raw).toLowerCase();
  if (/^\d+$/.test(text) && Number(text) <= 255) return String(Number(text));
  if (typeof raw === 'string' && Object.hasOwn(PROTOCOL_NUMBERS, text)) return text;
  throw badInput(
    'SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${String(raw)} not supported. Only protocol values ` +
      `[${Object.keys(PROTOCOL_NUMBERS).join(', ')}] and integer representations [0 to 255] are supported.`,
  );
}

function parsePort(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw badInput('SecurityGroupInvalidPortValue', `Invalid value for port ${String(raw)}`);
  return n;
}

function parseEthertype(raw: unknown): 'IPv4' | 'IPv6' {
  const v = raw ?? 'IPv4';
  if (typeof v === 'string' && /^ipv4$/i.test(v)) return 'IPv4';
  if (typeof v === 'string' && /^ipv6$/i.test(v)) return 'IPv6';
  throw invalidInput(`'${String(v)}' is not in ['IPv4', 'IPv6'] for ethertype`);
}

// IPv6 rules name ICMP "ipv6-icmp" (58): the legacy spellings icmp, icmpv6 and 1 are rewritten.
function canonicalForFamily(protocol: string | null, ethertype: 'IPv4' | 'IPv6'): string | null {
  if (ethertype !== 'IPv6' || protocol === null) return protocol;
  if (protocol === 'icmp' || protocol === 'icmpv6') return 'ipv6-icmp';
  if (protocol === '1') return '58';
  return protocol;
}

function checkPorts(protocol: string | null, min: number | null, max: number | null): void {
  if (min === null && max === null) return;
  if (protocol === null)
    throw badInput(
      'SecurityGroupProtocolRequiredWithPorts',
      'Must also specify protocol if port range is given.',
    );
  const proto = protocolNumber(protocol);
  if (PORT_PROTOCOLS.has(proto)) {
    if (min === 0 || max === 0) throw badInput('SecurityGroupInvalidPortValue', 'Invalid value for port 0');
    if (min === null || max === null || min > max)
      throw badInput(
        'SecurityGroupInvalidPortRange',
        'For TCP/UDP protocols, port_range_min must be <= port_range_max',
      );
    return;
  }
  if (ICMP_PROTOCOLS.has(proto)) {
    for (const [value, field, attr] of [
      [min, 'type', 'port_range_min'],
      [max, 'code', 'port_range_max'],
    ] as const)
      if (value !== null && value > 255)
        throw badInput(
          'SecurityGroupInvalidIcmpValue',
          `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`,
        );
    if (min === null)
      throw badInput(
        'SecurityGroupMissingIcmpType',
        `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`,
      );
    return;
  }
  throw badInput(
    'SecurityGroupInvalidProtocolForPort',
    `Invalid protocol ${proto} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP protocols.`,
  );
}

function parsePrefix(raw: unknown, ethertype: 'IPv4' | 'IPv6'): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = String(raw);
  const c = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (!c) throw badInput('InvalidCIDR', `'${text}' is not a valid IP prefix`);
  if ((c.version === 4) !== (ethertype === 'IPv4'))
    throw badInput(
      'SecurityGroupRuleParameterConflict',
      `Conflicting value ethertype ${ethertype} for CIDR ${text}`,
    );
  return formatCidr(c);
}

export function validateRule(raw: Record<string, unknown>): RuleSpec {
  const direction = raw.direction;
  if (direction !== 'ingress' && direction !== 'egress')
    throw invalidInput(`'${String(direction)}' is not in ['ingress', 'egress'] for direction`);
  const ethertype = parseEthertype(raw.ethertype);
  const protocol = canonicalForFamily(parseProtocol(raw.protocol), ethertype);
  const min = parsePort(raw.port_range_min);
  const max = parsePort(raw.port_range_max);
  checkPorts(protocol, min, max);
  const prefix = parsePrefix(raw.remote_ip_prefix, ethertype);
  if (protocol !== null && ethertype === 'IPv4' && IPV6_ONLY.has(protocolNumber(protocol)))
    throw badInput(
      'SecurityGroupEthertypeConflictWithProtocol',
      `Invalid ethertype ${ethertype} for protocol ${protocol}.`,
    );
  const group =
    raw.remote_group_id === undefined || raw.remote_group_id === null ? null : String(raw.remote_group_id);
  if (prefix && group)
    throw badInput(
      'SecurityGroupRemoteGroupAndRemoteIpPrefix',
      'Only remote_ip_prefix or remote_group_id may be provided.',
    );
  return {
    direction,
    ethertype,
    protocol,
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: prefix,
    remote_group_id: group,
  };
}

/** Whether two rules are the same rule as Neutron compares them: protocols by number, any-address prefixes
 * as none. */
export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  const key = (r: RuleSpec) => [
    r.direction,
    r.ethertype,
    r.protocol == null ? null : protocolNumber(r.protocol),
    r.port_range_min ?? null,
    r.port_range_max ?? null,
    r.remote_group_id ?? null,
    r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0' ? null : (r.remote_ip_prefix ?? null),
  ];
  return JSON.stringify(key(a)) === JSON.stringify(key(b));
}

/** "default" (in any case) names only the project's own default group: no other group may take it. */
export function checkGroupName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() === 'default')
    throw conflictError('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
}
