// Pure parsers for what the kernel says about the machine (/proc and /sys text), shaped as IPA's inventory.
// The readers that fetch the text live in linux-machine.ts, so these run on fixtures in tests.

export interface CpuInfo {
  model_name: string;
  frequency: string;
  count: number;
  architecture: string;
  flags: string[];
  socket_count: number;
}

export interface MemoryInfo {
  total: number;
  physical_mb: number;
}

export interface DiskInfo {
  name: string;
  size: number;
  rotational: boolean;
  model: string;
  vendor: string;
  serial: string | null;
  wwn: string | null;
  logical_sectors: number;
  physical_sectors: number;
}

export interface InterfaceInfo {
  name: string;
  mac_address: string;
  ipv4_address: string | null;
  has_carrier: boolean;
}

export interface Inventory {
  interfaces: InterfaceInfo[];
  cpu: CpuInfo;
  disks: DiskInfo[];
  memory: MemoryInfo;
  bmc_address: string | null;
  system_vendor: { product_name: string; serial_number: string; manufacturer: string };
  boot: { current_boot_mode: 'bios' | 'uefi'; pxe_interface: string | null };
  hostname: string;
}

/** /proc/cpuinfo → count, model, frequency, flags, sockets (x86 keys; other arches give what they have). */
export function parseCpuinfo(text: string, architecture: string): CpuInfo {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const first = new Map<string, string>();
  for (const line of (blocks[0] ?? '').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) first.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const sockets = new Set<string>();
  for (const b of blocks) {
    const m = /^physical id\s*:\s*(\S+)/m.exec(b);
    if (m) sockets.add(m[1]!);
  }
  return {
    model_name: first.get('model name') ?? first.get('cpu model') ?? '',
    frequency: first.get('cpu MHz') ?? '',
    count: blocks.length,
    architecture,
    flags: (first.get('flags') ?? first.get('Features') ?? '').split(/\s+/).filter(Boolean),
    socket_count: Math.max(1, sockets.size),
  };
}

/** /proc/meminfo MemTotal (kB) → bytes; physical_mb rounds up to whole MiB as the kernel hides reserved RAM. */
export function parseMeminfo(text: string): MemoryInfo {
  const m = /^MemTotal:\s*(\d+)\s*kB/m.exec(text);
  if (!m) throw new Error('MemTotal missing from /proc/meminfo');
  const total = Number(m[1]) * 1024;
  return { total, physical_mb: Math.ceil(total / 1048576) };
}

/** What /sys/block/<name>/ says about one block device (files read as text, missing ones undefined). */
export interface SysBlock {
  name: string;
  size?: string | undefined; // in 512-byte sectors, always
  removable?: string | undefined;
  rotational?: string | undefined; // queue/rotational
  logicalBlockSize?: string | undefined; // queue/logical_block_size
  physicalBlockSize?: string | undefined; // queue/physical_block_size
  model?: string | undefined; // device/model
  vendor?: string | undefined; // device/vendor
  serial?: string | undefined; // device/serial
  wwid?: string | undefined; // device/wwid
  hasDevice: boolean; // a real device (not loop/ram/dm/md without backing)
}

const VIRTUAL_BLOCK = /^(loop|ram|zram|dm-|md|sr|fd|nbd)/;

/** Disks IPA would list: real, non-removable, non-empty block devices, sorted by name. */
export function parseBlockDevices(devs: SysBlock[]): DiskInfo[] {
  return devs
    .filter((d) => d.hasDevice && !VIRTUAL_BLOCK.test(d.name) && d.removable?.trim() !== '1')
    .map((d) => ({
      name: `/dev/${d.name}`,
      size: Number(d.size?.trim() ?? '0') * 512,
      rotational: d.rotational?.trim() === '1',
      model: d.model?.trim() ?? '',
      vendor: d.vendor?.trim() ?? '',
      serial: d.serial?.trim() || null,
      wwn: d.wwid?.trim() || null,
      logical_sectors: Number(d.logicalBlockSize?.trim() || 512),
      physical_sectors: Number(d.physicalBlockSize?.trim() || 512),
    }))
    .filter((d) => d.size > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What /sys/class/net/<name>/ says about one interface. */
export interface SysNet {
  name: string;
  address?: string | undefined;
  carrier?: string | undefined;
  type?: string | undefined; // 1 = Ethernet (ARPHRD_ETHER)
  hasDevice: boolean; // device/ exists: a physical NIC, not a bridge/veth/bond
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function normaliseMac(s: string): string | undefined {
  const hex = s.trim().toLowerCase().replace(/[-:]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  const mac = hex.match(/../g)!.join(':');
  return mac === '00:00:00:00:00:00' ? undefined : mac;
}

/** Physical Ethernet NICs with valid MACs, sorted by name; addresses come from the caller (ip/ioctl). */
export function parseInterfaces(nics: SysNet[], ipv4: Record<string, string> = {}): InterfaceInfo[] {
  const out: InterfaceInfo[] = [];
  for (const n of nics) {
    if (n.name === 'lo' || !n.hasDevice || (n.type !== undefined && n.type.trim() !== '1')) continue;
    const mac = normaliseMac(n.address ?? '');
    if (!mac || !MAC.test(mac)) continue;
    out.push({
      name: n.name,
      mac_address: mac,
      ipv4_address: ipv4[n.name] ?? null,
      has_carrier: n.carrier?.trim() === '1',
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The disk IPA picks by default: the smallest disk of at least 4 GiB, else the first one. */
export function pickRootDisk(disks: DiskInfo[], minBytes = 4 * 1024 ** 3): DiskInfo | undefined {
  const big = disks.filter((d) => d.size >= minBytes).sort((a, b) => a.size - b.size);
  return big[0] ?? disks[0];
}
