// Security group rule validation, as neutron's securitygroup extension checks it.
import { invalidInput } from './errors.ts';
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

const PROTOCOL_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132, any: -1 };
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', '6', '17', '132']);

export function validateRule(raw: Record<string, unknown>): RuleSpec {
  const direction = raw.direction;
  if (direction !== 'ingress' && direction !== 'egress')
    throw invalidInput(`'${String(direction)}' is not in ['ingress', 'egress']`);
  const ethertype = raw.ethertype ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6')
    throw invalidInput(`'${String(ethertype)}' is not in ['IPv4', 'IPv6']`);
  let protocol: string | null = null;
  if (raw.protocol !== undefined && raw.protocol !== null && raw.protocol !== 'any') {
    const p = String(raw.protocol).toLowerCase();
    const n = Number(p);
    if (!(p in PROTOCOL_NUMBERS) && !(Number.isInteger(n) && n >= 0 && n <= 255))
      throw badProtocol(raw.protocol);
    protocol = p;
  }
  const port = (v: unknown, what: string): number | null => {
    if (v === undefined || v === null) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw invalidInput(`Invalid value for port ${String(v)} (${what})`);
    return n;
  };
  const min = port(raw.port_range_min, 'port_range_min');
  const max = port(raw.port_range_max, 'port_range_max');
  if ((min !== null || max !== null) && protocol === null)
    throw invalidInput('Must also specify protocol if port range is given.');
  if (protocol && PORT_PROTOCOLS.has(protocol) && min !== null && max !== null && min > max)
    throw invalidInput('For TCP/UDP protocols, port_range_min must be <= port_range_max');
  let prefix: string | null = null;
  if (raw.remote_ip_prefix !== undefined && raw.remote_ip_prefix !== null) {
    const c = parseCidr(
      String(raw.remote_ip_prefix).includes('/')
        ? String(raw.remote_ip_prefix)
        : `${raw.remote_ip_prefix}/${String(raw.remote_ip_prefix).includes(':') ? 128 : 32}`,
    );
    if (!c) throw invalidInput(`'${String(raw.remote_ip_prefix)}' is not a valid IP prefix`);
    if ((c.version === 4) !== (ethertype === 'IPv4'))
      throw invalidInput(`Conflicting value ethertype ${ethertype} for CIDR ${raw.remote_ip_prefix}`);
    prefix = formatCidr(c);
  }
  const group =
    raw.remote_group_id === undefined || raw.remote_group_id === null ? null : String(raw.remote_group_id);
  if (prefix && group) throw invalidInput('Only remote_ip_prefix or remote_group_id may be provided.');
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

function badProtocol(p: unknown) {
  return invalidInput(`Security group rule protocol ${String(p)} not supported.`);
}
