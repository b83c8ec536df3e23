// MAC addresses: validation, normalisation and generation from a base MAC. As Neutron does it, the first
// three octets of the base are kept, the fourth too when it is not 00, and the rest are random.
import { invalidInput } from './errors.ts';

export const DEFAULT_BASE_MAC = 'fa:16:3e:00:00:00';

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

export function normaliseMac(text: string): string | undefined {
  if (!MAC_RE.test(text)) return undefined;
  const mac = text.toLowerCase().replaceAll('-', ':');
  const first = Number.parseInt(mac.slice(0, 2), 16);
  // Multicast (group bit set) and all-zero addresses are never a port's address.
  if (first & 1 || mac === '00:00:00:00:00:00') return undefined;
  return mac;
}

export function parseBaseMac(text: string): number[] {
  const mac = MAC_RE.test(text) ? text.toLowerCase().replaceAll('-', ':') : undefined;
  if (!mac) throw invalidInput(`base_mac '${text}' is not a MAC address`);
  return mac.split(':').map((h) => Number.parseInt(h, 16));
}

/** A random MAC under the base; `random(n)` gives n random bytes (injected so tests are deterministic). */
export function generateMac(base: readonly number[], random: (n: number) => Uint8Array): string {
  const r = random(6);
  const keep = (i: number) => i < 3 || (i === 3 && base[3] !== 0);
  return base
    .map((b, i) => (keep(i) ? b : (r[i] ?? 0)))
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}
