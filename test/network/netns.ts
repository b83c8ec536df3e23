// Two network namespaces joined by a veth pair: the "provisioning network" of the DHCP tests. The server side
// carries the subnet's first address; the client side is where busybox udhcpc plays a booting machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export interface Lab {
  serverNs: string;
  clientNs: string;
  serverIf: string;
  clientIf: string;
  setClientMac(mac: string): void;
  destroy(): void;
}

/** Why the namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot create network namespaces';
  for (const [tool, pkg] of [
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
    ['/usr/bin/busybox', 'busybox-static'],
  ])
    if (!existsSync(tool!)) return `no ${tool} (Debian package ${pkg})`;
  const probe = `ooo-probe-${randomBytes(3).toString('hex')}`;
  const made = spawnSync('ip', ['netns', 'add', probe]);
  if (made.status !== 0) return `ip netns add failed: ${made.stderr.toString().trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

export function createLab(serverCidr: string): Lab {
  const id = randomBytes(3).toString('hex');
  const lab: Lab = {
    serverNs: `ooo-dhcp-s-${id}`,
    clientNs: `ooo-dhcp-c-${id}`,
    serverIf: `od${id}s`,
    clientIf: `od${id}c`,
    setClientMac(mac) {
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'down');
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'address', mac);
      ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'up');
    },
    destroy() {
      // Deleting the namespaces removes the veth pair with them.
      spawnSync('ip', ['netns', 'del', lab.serverNs]);
      spawnSync('ip', ['netns', 'del', lab.clientNs]);
    },
  };
  try {
    ip('netns', 'add', lab.serverNs);
    ip('netns', 'add', lab.clientNs);
    ip('link', 'add', lab.serverIf, 'type', 'veth', 'peer', 'name', lab.clientIf);
    ip('link', 'set', lab.serverIf, 'netns', lab.serverNs);
    ip('link', 'set', lab.clientIf, 'netns', lab.clientNs);
    ip('-n', lab.serverNs, 'addr', 'add', serverCidr, 'dev', lab.serverIf);
    ip('-n', lab.serverNs, 'link', 'set', lab.serverIf, 'up');
    ip('-n', lab.clientNs, 'link', 'set', lab.clientIf, 'up');
  } catch (e) {
    lab.destroy();
    throw e;
  }
  return lab;
}
