// What dnsmasq is told for one network, as neutron's dnsmasq driver (agent/linux/dhcp.py) tells it: a hosts
// file (MAC → address and name, static only), an options file (per-subnet router, DNS and host routes, per-port
// boot options from extra_dhcp_opts) and the dhcp-range arguments. Pure: the agent writes and signals.
import { formatIp, netmaskText, parseCidr } from './ip.ts';
import type { ExtraDhcpOpt } from './port.ts';
import type { HostRoute } from './subnet.ts';

export const METADATA_CIDR = '169.254.169.254/32';

export interface DhcpSubnet {
  id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: HostRoute[];
  ipv6_address_mode: string | null;
}

export interface DhcpPort {
  id: string;
  mac_address: string;
  admin_state_up: boolean;
  dns_name: string;
  device_owner: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  extra_dhcp_opts: ExtraDhcpOpt[];
}

export interface DhcpOptions {
  domain: string;
  leaseSeconds: number;
  metadataNexthop: string | null;
  /** --user for dnsmasq. */
  user?: string;
  /** Serve TFTP (read-only) from this directory: the PXE firmware's first stage, e.g. undionly.kpxe. */
  tftpRoot?: string | null;
}

export interface DhcpConfig {
  hosts: string;
  opts: string;
  /** --dhcp-range=... arguments, one per DHCP-enabled subnet. */
  ranges: string[];
  /**
   * --dhcp-mac=set:port-<id>,<mac> arguments tagging the ports that have extra DHCP options. Not `set:` in the
   * hosts file: dnsmasq 2.86-2.90 crashes on SIGHUP once a host tagged there has been served (see
   * docs/decisions/network-dhcp.md), so tags live on the command line and only their set changing restarts.
   */
  macTags: string[];
  /** How many address entries the hosts file holds. */
  hostCount: number;
}

const subnetTag = (id: string) => `subnet-${id}`;
const portTag = (id: string) => `port-${id}`;

export function hostname(port: DhcpPort, ip: string): string {
  return port.dns_name || `host-${ip.replace(/[.:]/g, '-')}`;
}

export function renderDhcp(
  subnets: readonly DhcpSubnet[],
  ports: readonly DhcpPort[],
  o: DhcpOptions,
): DhcpConfig {
  const served = subnets.filter((s) => s.enable_dhcp && !isSlaac(s));
  const servedIds = new Set(served.map((s) => s.id));
  const hostLines: string[] = [];
  const optLines: string[] = [];
  const ranges: string[] = [];
  const macTags: string[] = [];

  for (const s of served) {
    const cidr = parseCidr(s.cidr)!;
    const tag = subnetTag(s.id);
    ranges.push(
      s.ip_version === 4
        ? `set:${tag},${formatIp(4, cidr.network)},static,${netmaskText(cidr)},${o.leaseSeconds}s`
        : `set:${tag},${formatIp(6, cidr.network)},static,${cidr.prefix},${o.leaseSeconds}s`,
    );
    optLines.push(...subnetOptions(s, o));
  }

  const sortedPorts = [...ports].sort((a, b) =>
    a.mac_address < b.mac_address ? -1 : a.mac_address > b.mac_address ? 1 : 0,
  );
  for (const p of sortedPorts) {
    if (p.device_owner === 'network:dhcp') continue;
    const ips = p.fixed_ips.filter((f) => servedIds.has(f.subnet_id));
    if (ips.length === 0) continue;
    const tagged = p.extra_dhcp_opts.length > 0;
    for (const f of ips) {
      const v6 = f.ip_address.includes(':');
      const name = `${hostname(p, f.ip_address)}.${o.domain}.`;
      const addr = v6 ? `[${f.ip_address}]` : f.ip_address;
      hostLines.push([p.mac_address, name, addr].join(','));
    }
    if (tagged) macTags.push(`set:${portTag(p.id)},${p.mac_address}`);
    for (const opt of p.extra_dhcp_opts)
      optLines.push(formatOption(opt.ip_version, portTag(p.id), opt.opt_name, opt.opt_value));
  }
  return {
    hosts: hostLines.map((l) => `${l}\n`).join(''),
    opts: optLines.map((l) => `${l}\n`).join(''),
    ranges,
    macTags,
    hostCount: hostLines.length,
  };
}

function isSlaac(s: DhcpSubnet): boolean {
  return s.ip_version === 6 && s.ipv6_address_mode === 'slaac';
}

function subnetOptions(s: DhcpSubnet, o: DhcpOptions): string[] {
  const tag = subnetTag(s.id);
  const out: string[] = [];
  const v = s.ip_version;
  if (s.dns_nameservers.length > 0)
    out.push(
      formatOption(
        v,
        tag,
        v === 4 ? 'dns-server' : 'dns-server',
        ...s.dns_nameservers.map((d) => (v === 6 ? `[${d}]` : d)),
      ),
    );
  out.push(formatOption(v, tag, 'domain-search', o.domain));
  if (v === 6) return out;
  const routes: HostRoute[] = [...s.host_routes];
  if (o.metadataNexthop && !routes.some((r) => r.destination === METADATA_CIDR))
    routes.push({ destination: METADATA_CIDR, nexthop: o.metadataNexthop });
  if (routes.length > 0) {
    // Clients that receive classless routes ignore the router option, so the default route joins them.
    if (s.gateway_ip && !routes.some((r) => r.destination === '0.0.0.0/0'))
      routes.push({ destination: '0.0.0.0/0', nexthop: s.gateway_ip });
    const flat = routes.flatMap((r) => [r.destination, r.nexthop]);
    out.push(formatOption(4, tag, 'classless-static-route', ...flat));
    out.push(formatOption(4, tag, '249', ...flat));
  }
  // An empty router option tells clients there is no gateway rather than letting dnsmasq offer itself.
  out.push(s.gateway_ip ? formatOption(4, tag, 'router', s.gateway_ip) : formatOption(4, tag, 'router'));
  return out;
}

/**
 * One dhcp-option line: `tag:<tag>[,tag:<extra>],option:<name>|<number>,values`. An opt_name may carry its
 * own tag (Ironic's "tag:ipxe,bootfile-name" / "tag:!ipxe,67" for the iPXE chain).
 */
export function formatOption(version: 4 | 6, tag: string, name: string, ...values: string[]): string {
  const m = /^(tag:[^,]+,)?(.*)$/.exec(name)!;
  const extra = m[1] ? m[1].slice(0, -1) : undefined;
  let option = m[2] ?? '';
  if (!/^\d+$/.test(option)) option = `${version === 4 ? 'option' : 'option6'}:${option}`;
  return ['tag:' + tag, ...(extra ? [extra] : []), option, ...values].join(',');
}

/** The dnsmasq command line for one network; files live in `dir`, dnsmasq stays in the foreground. */
export function dnsmasqArgs(dir: string, iface: string, c: DhcpConfig, o: DhcpOptions): string[] {
  return [
    '--no-hosts',
    '--no-resolv',
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--port=0', // DHCP only: no DNS listener to collide with the host's resolver
    ...(o.user ? [`--user=${o.user}`] : []),
    `--pid-file=${dir}/pid`,
    `--dhcp-hostsfile=${dir}/host`,
    `--dhcp-optsfile=${dir}/opts`,
    `--dhcp-leasefile=${dir}/leases`,
    '--dhcp-authoritative',
    `--interface=${iface}`,
    '--bind-interfaces',
    ...c.ranges.map((r) => `--dhcp-range=${r}`),
    ...c.macTags.map((t) => `--dhcp-mac=${t}`),
    // Room for every host of the file even when leases of old addresses linger.
    `--dhcp-lease-max=${Math.max(16, c.hostCount * 2)}`,
    `--domain=${o.domain}`,
    // iPXE identifies itself by option 175 or user class "iPXE": the second stage of the boot chain.
    '--dhcp-match=set:ipxe,175',
    '--dhcp-userclass=set:ipxe,iPXE',
    ...(o.tftpRoot ? ['--enable-tftp', `--tftp-root=${o.tftpRoot}`, '--tftp-no-fail'] : []),
    '--log-dhcp',
    '--log-facility=-',
  ];
}

/**
 * The interface dnsmasq binds to: the mapped one for a flat network, its VLAN sub-interface
 * (`<interface>.<vlan id>`, which the operator creates, as for any VLAN on the host) for a VLAN network.
 */
export function servingInterface(
  n: { network_type: string; physical_network: string | null; segmentation_id: number | null },
  mappings: Record<string, string>,
): string | undefined {
  const base = n.physical_network ? mappings[n.physical_network] : undefined;
  if (!base) return undefined;
  if (n.network_type === 'flat') return base;
  if (n.network_type === 'vlan' && n.segmentation_id !== null) return `${base}.${n.segmentation_id}`;
  return undefined;
}
