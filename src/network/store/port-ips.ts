// Fixed IPs of a port: allocation from the pools (store/ipam.ts), requested addresses, EUI-64 for SLAAC,
// release back to the free ranges. Every function runs in the caller's transaction under the network lock.
import type { Queryable } from '../../platform/db/types.ts';
import {
  invalidInput,
  invalidIpForNetwork,
  invalidIpForSubnet,
  ipAlreadyAllocated,
  ipGenerationFailure,
} from '../model/errors.ts';
import { contains, formatIp, ipKey, parseCidr, parseIp } from '../model/ip.ts';
import { poolRanges } from '../model/ipam.ts';
import type { FixedIp, FixedIpRequest, SubnetRecord } from '../model/records.ts';
import { eui64, hostBounds, isAutoAddress } from '../model/subnet.ts';
import { giveBack, takeAny, takeSpecific } from './ipam.ts';
import type { SubnetStore } from './subnets.ts';

// Allocates each requested address; `auto` (no fixed_ips given) tries subnets in turn per family.
export async function allocateIps(
  q: Queryable,
  portId: string,
  networkId: string,
  mac: string,
  subnets: SubnetRecord[],
  wanted: FixedIpRequest[],
  auto: boolean,
): Promise<void> {
  if (auto) {
    for (const family of [4, 6] as const) {
      const candidates = subnets.filter((s) => s.ip_version === family);
      if (candidates.length === 0) continue;
      // Every SLAAC subnet gets an address; otherwise the first subnet with room does.
      const slaac = candidates.filter((s) => isAutoAddress(s.ipv6_address_mode));
      for (const s of slaac) await record(q, portId, networkId, s, eui64(parseCidr(s.cidr)!, mac));
      const stateful = candidates.filter((s) => !isAutoAddress(s.ipv6_address_mode));
      if (stateful.length === 0) continue;
      let done = false;
      for (const s of stateful) {
        const ip = await takeAny(q, s.id);
        if (ip === undefined) continue;
        await record(q, portId, networkId, s, ip);
        done = true;
        break;
      }
      if (!done) throw ipGenerationFailure(networkId);
    }
    return;
  }
  for (const req of wanted) {
    const subnet = pickSubnet(subnets, req, networkId);
    const cidr = parseCidr(subnet.cidr)!;
    if (req.ip_address === undefined) {
      const ip = isAutoAddress(subnet.ipv6_address_mode) ? eui64(cidr, mac) : await takeAny(q, subnet.id);
      if (ip === undefined) throw ipGenerationFailure(networkId);
      await record(q, portId, networkId, subnet, ip);
      continue;
    }
    const ip = parseIp(req.ip_address)!;
    const { first, last } = hostBounds(cidr);
    if (ip.value < first || ip.value > last) throw invalidIpForSubnet(req.ip_address);
    if (
      await q.get('SELECT 1 AS x FROM net_ip_allocations WHERE subnet_id = ? AND ip_key = ?', [
        subnet.id,
        ipKey(ip.value),
      ])
    )
      throw ipAlreadyAllocated(formatIp(ip.version, ip.value), subnet.id);
    // A requested address outside the pools is allowed (Neutron lets admins place ports anywhere in the CIDR).
    await takeSpecific(q, subnet.id, ip.value);
    await record(q, portId, networkId, subnet, ip.value);
  }
}

async function record(q: Queryable, portId: string, networkId: string, s: SubnetRecord, value: bigint) {
  const text = formatIp(s.ip_version, value);
  if (
    await q.get('SELECT 1 AS x FROM net_ip_allocations WHERE subnet_id = ? AND ip_key = ?', [
      s.id,
      ipKey(value),
    ])
  )
    throw ipAlreadyAllocated(text, s.id);
  await q.run(
    'INSERT INTO net_ip_allocations (subnet_id, ip_key, ip_address, port_id, network_id) VALUES (?, ?, ?, ?, ?)',
    [s.id, ipKey(value), text, portId, networkId],
  );
}

export async function releaseIps(
  q: Queryable,
  subnets: SubnetStore,
  portId: string,
  only?: (a: { subnet_id: string; ip_key: string }) => boolean,
) {
  const rows = await q.all<{ subnet_id: string; ip_key: string }>(
    'SELECT subnet_id, ip_key FROM net_ip_allocations WHERE port_id = ?',
    [portId],
  );
  for (const a of rows.filter((r) => !only || only(r))) {
    await q.run('DELETE FROM net_ip_allocations WHERE subnet_id = ? AND ip_key = ?', [a.subnet_id, a.ip_key]);
    const subnet = await subnets.get(a.subnet_id, q);
    if (subnet && !isAutoAddress(subnet.ipv6_address_mode))
      await giveBack(q, a.subnet_id, BigInt(`0x${a.ip_key}`), poolRanges(subnet.allocation_pools));
  }
}

// Keeps the addresses still asked for, releases the others, allocates the new ones.
export async function replaceIps(
  q: Queryable,
  subnetStore: SubnetStore,
  cur: { id: string; network_id: string; fixed_ips: FixedIp[] },
  mac: string,
  wanted: FixedIpRequest[],
) {
  const subnets = await subnetStore.forNetwork(cur.network_id, q);
  const keep = new Set<string>();
  const fresh: FixedIpRequest[] = [];
  for (const req of wanted) {
    const held = cur.fixed_ips.find(
      (f) =>
        (req.ip_address === undefined || parseIp(f.ip_address)?.value === parseIp(req.ip_address)?.value) &&
        (req.subnet_id === undefined || f.subnet_id === req.subnet_id) &&
        !keep.has(`${f.subnet_id}/${f.ip_address}`),
    );
    if (held && (req.ip_address !== undefined || req.subnet_id !== undefined))
      keep.add(`${held.subnet_id}/${held.ip_address}`);
    else fresh.push(req);
  }
  await releaseIps(q, subnetStore, cur.id, (a) => {
    const s = subnets.find((x) => x.id === a.subnet_id);
    return !s || !keep.has(`${a.subnet_id}/${formatIp(s.ip_version, BigInt(`0x${a.ip_key}`))}`);
  });
  await allocateIps(q, cur.id, cur.network_id, mac, subnets, fresh, false);
}

// Resolves which subnet a fixed_ips entry means: by id (on this network), or the one holding the address.
function pickSubnet(subnets: SubnetRecord[], req: FixedIpRequest, networkId: string): SubnetRecord {
  const ip = req.ip_address === undefined ? undefined : parseIp(req.ip_address);
  if (req.ip_address !== undefined && !ip)
    throw invalidInput(`'${req.ip_address}' is not a valid IP address`);
  if (req.subnet_id !== undefined) {
    const s = subnets.find((x) => x.id === req.subnet_id);
    if (!s)
      throw invalidInput(
        `Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${req.subnet_id}`,
      );
    if (ip && !contains(parseCidr(s.cidr)!, ip.version, ip.value)) throw invalidIpForSubnet(req.ip_address!);
    return s;
  }
  if (!ip) throw invalidInput('Exactly one of subnet_id or ip_address is required in fixed_ips');
  const s = subnets.find((x) => contains(parseCidr(x.cidr)!, ip.version, ip.value));
  if (!s) throw invalidIpForNetwork(req.ip_address!);
  return s;
}
