// The facts the metadata trees and the config drive present about one server, from its record. Pure: the
// random seed comes from the caller.
import { createHash } from 'node:crypto';
import type { InstanceFacts } from './metadata.ts';
import { hostnameOf, type Server } from './server.ts';

/** A stable small integer for an image id (EC2's ami-%08x needs one; Nova keeps a mapping table). */
export function imageInternalId(imageId: string): number {
  return createHash('sha256').update(imageId).digest().readUInt32BE(0) & 0x7fffffff;
}

/** network_data.json: one physical link per port, DHCP on each network (what the node's ports carry). */
export function networkData(s: Server): Record<string, unknown> {
  const links = s.ports.map((p) => ({
    id: `tap${p.id.slice(0, 11)}`,
    vif_id: p.id,
    type: 'phy',
    ethernet_mac_address: p.mac,
    mtu: null,
  }));
  const networks = s.ports.flatMap((p, i) =>
    p.ips.map((ip, j) => ({
      id: `network${i}${j ? `-${j}` : ''}`,
      type: ip.version === 6 ? 'ipv6_dhcp' : 'ipv4_dhcp',
      link: `tap${p.id.slice(0, 11)}`,
      network_id: p.network_id,
    })),
  );
  return { links, networks, services: [] };
}

export function instanceFacts(s: Server, randomSeed: string): InstanceFacts {
  const fixed = s.ports.flatMap((p) => p.ips).find((ip) => ip.version === 4);
  return {
    uuid: s.id,
    name: s.name,
    hostname: hostnameOf(s.name),
    launchIndex: s.launch_index,
    availabilityZone: s.availability_zone,
    projectId: s.project_id,
    internalId: s.internal_id,
    reservationId: s.reservation_id,
    flavorName: s.flavor.name,
    imageInternalId: imageInternalId(s.image_ref),
    keys: s.key ? [s.key] : [],
    meta: s.metadata,
    userData: s.user_data === null ? undefined : Buffer.from(s.user_data, 'base64'),
    fixedIp: fixed?.addr,
    networkData: networkData(s),
    vendorData: {},
    randomSeed,
    rootDevice: '/dev/sda',
    ephemeralGb: s.flavor.ephemeral,
    swapMb: s.flavor.swap,
  };
}
