// A server as Nova renders it, at the request's microversion and for the caller's role: the brief list
// entry, and the full body of show/detail (flavor embedded from 2.47, description 2.19, tags 2.26, the
// extended attributes for admins, fault when ERROR).
import type { FastifyRequest } from 'fastify';
import { hostIdOf, hostnameOf, type Server } from '../model/server.ts';
import { statusOf } from '../model/server-state.ts';
import { baseUrl, can, links, since } from './common.ts';

/** Nova's timestamps: seconds, with Z. */
export const novaTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export function briefView(req: FastifyRequest, s: Server) {
  return { id: s.id, name: s.name, links: links(req, 'servers', s.id) };
}

/** `extended`: with the type and MAC keys (Nova's extend_address; left out of update/rebuild before 2.75). */
export function addresses(s: Server, extended = true): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const p of s.ports) {
    const key = p.network_name || p.network_id;
    const entries = p.ips.map((ip) =>
      extended
        ? { version: ip.version, addr: ip.addr, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.mac }
        : { version: ip.version, addr: ip.addr },
    );
    out[key] = [...(out[key] ?? []), ...entries];
  }
  return out;
}

function flavorView(req: FastifyRequest, s: Server) {
  if (!since(req, 47))
    return {
      id: s.flavor.id,
      links: [{ rel: 'bookmark', href: `${baseUrl(req)}/flavors/${encodeURIComponent(s.flavor.id)}` }],
    };
  return {
    vcpus: s.flavor.vcpus,
    ram: s.flavor.ram,
    disk: s.flavor.disk,
    ephemeral: s.flavor.ephemeral,
    swap: s.flavor.swap,
    original_name: s.flavor.name,
    extra_specs: s.flavor.extra_specs,
  };
}

/**
 * `answering`: the body of an update (PUT) or a rebuild, which before 2.75 leave out the extension
 * attributes (zone, states, usage, config drive, key name, security groups, volumes, admin attributes) as
 * Nova's view builder is told to; from 2.75 they are the full server.
 */
export function serverView(
  req: FastifyRequest,
  s: Server,
  host: string,
  opts: { groups?: string[]; answering?: 'update' | 'rebuild' } = {},
) {
  const status = statusOf(s.vm_state, s.task_state);
  const all = !opts.answering || since(req, 75);
  const admin = all && can(req, 'servers:extended_attributes');
  const out: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status,
    tenant_id: s.project_id,
    user_id: s.user_id,
    metadata: s.metadata,
    hostId: hostIdOf(s.project_id, s.node_uuid ? host : null),
    image: {
      id: s.image_ref,
      links: [{ rel: 'bookmark', href: `${baseUrl(req)}/images/${encodeURIComponent(s.image_ref)}` }],
    },
    flavor: flavorView(req, s),
    created: novaTime(s.created_at),
    updated: novaTime(s.updated_at),
    addresses: addresses(s, all),
    accessIPv4: s.access_ipv4,
    accessIPv6: s.access_ipv6,
    links: links(req, 'servers', s.id),
    'OS-DCF:diskConfig': s.disk_config ?? 'MANUAL',
  };
  if (all)
    Object.assign(out, {
      'OS-EXT-AZ:availability_zone': s.availability_zone,
      config_drive: s.config_drive ? 'True' : '',
      key_name: s.key_name,
      'OS-SRV-USG:launched_at':
        s.launched_at === null ? null : new Date(s.launched_at).toISOString().slice(0, 23),
      'OS-SRV-USG:terminated_at': null,
      security_groups: [{ name: 'default' }],
      'OS-EXT-STS:task_state': s.task_state,
      'OS-EXT-STS:vm_state': s.vm_state,
      'OS-EXT-STS:power_state': s.power_state,
      'os-extended-volumes:volumes_attached': [],
    });
  else if (opts.answering === 'rebuild' && since(req, 54)) out.key_name = s.key_name;
  // A rebuild answers the user data it was given from 2.57 (at 2.75 too, beside the full server).
  if (opts.answering === 'rebuild' && since(req, 57)) out.user_data = s.user_data;
  if (status === 'ACTIVE' || status === 'BUILD' || status === 'REBUILD') out.progress = 0;
  if (admin) {
    out['OS-EXT-SRV-ATTR:host'] = s.node_uuid ? host : null;
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.node_uuid;
    out['OS-EXT-SRV-ATTR:instance_name'] = `instance-${s.internal_id.toString(16).padStart(8, '0')}`;
    if (since(req, 3)) {
      out['OS-EXT-SRV-ATTR:reservation_id'] = s.reservation_id;
      out['OS-EXT-SRV-ATTR:launch_index'] = s.launch_index;
      out['OS-EXT-SRV-ATTR:hostname'] = hostnameOf(s.name);
      out['OS-EXT-SRV-ATTR:kernel_id'] = '';
      out['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      out['OS-EXT-SRV-ATTR:root_device_name'] = null;
      // A rebuild answers `user_data` itself (2.57) instead.
      if (opts.answering !== 'rebuild') out['OS-EXT-SRV-ATTR:user_data'] = s.user_data;
    }
  }
  if (s.fault && (s.vm_state === 'error' || s.vm_state === 'deleted')) {
    const f: Record<string, unknown> = {
      code: s.fault.code,
      created: s.fault.created,
      message: s.fault.message,
    };
    if (admin && s.fault.details) f.details = s.fault.details;
    out.fault = f;
  }
  if (since(req, 9)) out.locked = false;
  if (all && since(req, 16) && can(req, 'servers:show:host_status'))
    out.host_status = s.node_uuid ? 'UP' : '';
  if (since(req, 19)) out.description = s.description;
  if (since(req, 26)) out.tags = s.tags;
  if (since(req, 63)) out.trusted_image_certificates = null;
  if (since(req, 71) && opts.groups) out.server_groups = opts.groups;
  if (since(req, 73)) out.locked_reason = null;
  return out;
}
