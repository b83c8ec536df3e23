// IPv4/IPv6 arithmetic on bigints, by hand (no dependency): parsing, formatting, CIDRs and the fixed-width
// hex keys the store uses so that string order equals numeric order on both database engines.

export type IpVersion = 4 | 6;

export interface Cidr {
  version: IpVersion;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function parseIp(text: string): { version: IpVersion; value: bigint } | undefined {
  if (text.includes(':')) {
    const v = parseV6(text);
    return v === undefined ? undefined : { version: 6, value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { version: 4, value: v };
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    // No leading zeros: "010" is ambiguous (octal in some parsers), Neutron rejects it too.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseV6(text: string): bigint | undefined {
  let s = text;
  // An embedded IPv4 suffix (::ffff:192.0.2.1) becomes the last two hex groups.
  const lastColon = s.lastIndexOf(':');
  const suffix = s.slice(lastColon + 1);
  if (suffix.includes('.')) {
    const v4 = parseV4(suffix);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  let out = 0n;
  for (const g of [...head, ...Array<string>(8 - total).fill('0'), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(`0x${g}`);
  }
  return out;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Normalises an address's text, or undefined when it is not an address. */
export function canonicalIp(text: string): string | undefined {
  const p = parseIp(text);
  return p && formatIp(p.version, p.value);
}

/** Parses "a.b.c.d/n"; `strict` rejects host bits set (Neutron accepts and normalises subnets). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1] ?? '');
  const prefix = Number(m[2]);
  if (!ip || prefix > BITS[ip.version]) return undefined;
  return { version: ip.version, network: ip.value & mask(ip.version, prefix), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.version, c.network)}/${c.prefix}`;
}

export function mask(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefix))) & all;
}

/** The highest address of the CIDR (the broadcast address for IPv4). */
export function lastAddress(c: Cidr): bigint {
  return c.network | (~mask(c.version, c.prefix) & ((1n << BigInt(BITS[c.version])) - 1n));
}

export function contains(c: Cidr, version: IpVersion, value: bigint): boolean {
  return version === c.version && value >= c.network && value <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function netmaskText(c: Cidr): string {
  return formatIp(c.version, mask(c.version, c.prefix));
}

/** Fixed-width lower-case hex (32 digits for both families): string order is numeric order. */
export function ipKey(value: bigint): string {
  return value.toString(16).padStart(32, '0');
}

export function keyValue(key: string): bigint {
  return BigInt(`0x${key}`);
}
