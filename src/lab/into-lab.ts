// Which requests the lab's into-lab proxy passes on: a Host header `a.b.c.d:port` whose address lies in the
// lab's network (the bridge's CIDR), never the bridge itself. Pure, table-tested.

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

export function intoLabTarget(
  hostHeader: string | undefined,
  cidr: string,
): { host: string; port: number } | undefined {
  const m = /^([\d.]+):(\d{1,5})$/.exec(hostHeader ?? '');
  if (!m) return undefined;
  const [, host = '', portText = ''] = m;
  const port = Number(portText);
  const [netText = '', bitsText = ''] = cidr.split('/');
  const addr = ipv4(host);
  const bridge = ipv4(netText);
  const bits = Number(bitsText);
  if (addr === undefined || bridge === undefined || !(bits >= 8 && bits <= 30) || port < 1 || port > 65535)
    return undefined;
  const size = 2 ** (32 - bits);
  const base = bridge - (bridge % size);
  if (addr <= base || addr >= base + size - 1 || addr === bridge) return undefined;
  return { host, port };
}
