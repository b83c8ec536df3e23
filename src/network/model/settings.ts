// The network service's settings (ServiceDeps.settings), checked once at start with Neutron's option names.
import { DEFAULT_BASE_MAC, parseBaseMac } from './mac.ts';
import { QUOTA_DEFAULTS } from './quotas.ts';
import {
  ID_LIMITS,
  NETWORK_TYPES,
  type NetworkType,
  parseRanges,
  parseVlanRanges,
  type SegmentConfig,
} from './segments.ts';

export interface DhcpSettings {
  /** Runs the DHCP agent in this process (default: when some physical network maps to an interface). */
  enabled: boolean;
  dnsmasqPath: string;
  /** physical_network → host interface dnsmasq binds to (ML2's physical_interface_mappings). */
  interfaceMappings: Record<string, string>;
  /** Prepended to the dnsmasq command, e.g. ["ip", "netns", "exec", "prov"]. */
  commandPrefix: string[];
  leaseSeconds: number;
  domain: string;
  /** Next hop of the metadata route (169.254.169.254/32) added for subnets that lack one. */
  metadataNexthop: string | null;
  /** Full resynchronisation period; changes are applied at once through notifications. */
  resyncMs: number;
  /** How long a dnsmasq that died waits before it is restarted. */
  restartDelayMs: number;
  host: string;
  /**
   * The user dnsmasq runs as after start. It re-reads its files (and writes leases) after dropping root, and
   * the state directory is private (0700), so by default it stays the user running the service.
   */
  user: string;
  /** dnsmasq also serves TFTP from this directory (read-only; e.g. /usr/lib/ipxe for the PXE → iPXE chain). */
  tftpRoot: string | null;
}

export interface NetworkSettings {
  baseMac: number[];
  defaultMtu: number;
  segments: SegmentConfig;
  quotaDefaults: Record<string, number>;
  availabilityZone: string;
  dhcp: DhcpSettings;
}

const strings = (v: unknown, what: string): string[] => {
  if (v === undefined) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw new Error(`network setting ${what}: expected a list of strings`);
};

export function parseSettings(
  raw: Record<string, unknown>,
  hostname: string,
  username: string,
): NetworkSettings {
  const tenantType = (raw.tenant_network_type ?? 'vxlan') as NetworkType;
  if (!(NETWORK_TYPES as readonly string[]).includes(tenantType))
    throw new Error(`network setting tenant_network_type: unknown type ${tenantType}`);
  const d = (raw.dhcp ?? {}) as Record<string, unknown>;
  const mappings = (d.physical_interface_mappings ?? raw.physical_interface_mappings ?? {}) as Record<
    string,
    string
  >;
  const quotas = { ...QUOTA_DEFAULTS, ...((raw.quota ?? {}) as Record<string, number>) };
  return {
    baseMac: parseBaseMac(String(raw.base_mac ?? DEFAULT_BASE_MAC)),
    defaultMtu: Number(raw.default_mtu ?? 1500),
    segments: {
      vlanRanges: parseVlanRanges(
        strings(raw.network_vlan_ranges ?? 'ctlplane,datacentre:1:1000', 'network_vlan_ranges'),
      ),
      flatNetworks: strings(raw.flat_networks ?? '*', 'flat_networks'),
      greRanges: parseRanges(strings(raw.tunnel_id_ranges ?? '1:1000', 'tunnel_id_ranges'), ID_LIMITS.gre),
      vxlanRanges: parseRanges(strings(raw.vni_ranges ?? '1:1000', 'vni_ranges'), ID_LIMITS.vxlan),
      tenantNetworkType: tenantType,
    },
    quotaDefaults: quotas,
    availabilityZone: String(raw.availability_zone ?? 'nova'),
    dhcp: {
      enabled: d.enabled === undefined ? Object.keys(mappings).length > 0 : d.enabled === true,
      dnsmasqPath: String(d.dnsmasq_path ?? '/usr/sbin/dnsmasq'),
      interfaceMappings: mappings,
      commandPrefix: strings(d.command_prefix, 'dhcp.command_prefix'),
      leaseSeconds: Number(d.lease_seconds ?? 86400),
      domain: String(d.domain ?? 'openstacklocal'),
      metadataNexthop: typeof d.metadata_nexthop === 'string' ? d.metadata_nexthop : null,
      resyncMs: Number(d.resync_ms ?? 10_000),
      restartDelayMs: Number(d.restart_delay_ms ?? 500),
      host: String(d.host ?? hostname),
      user: String(d.user ?? username),
      tftpRoot: typeof d.tftp_root === 'string' && d.tftp_root !== '' ? d.tftp_root : null,
    },
  };
}
