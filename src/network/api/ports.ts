// /v2.0/ports: MAC and fixed IPs (requested or allocated), binding attributes, extra DHCP options (the PXE
// and iPXE boot options the DHCP agent serves), allowed address pairs and security groups.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conflictError, invalidInput, notFoundError } from '../model/errors.ts';
import { normaliseMac } from '../model/mac.ts';
import {
  type ExtraDhcpOpt,
  mergeExtraDhcpOpts,
  parseAddressPairs,
  parseExtraDhcpOpts,
  parseProfile,
  parseVnicType,
} from '../model/port.ts';
import type { FixedIpRequest, PortRecord } from '../store/ports.ts';
import {
  can,
  enforceAction,
  flag,
  listResponse,
  optFlag,
  optStr,
  ownerFor,
  resourceBody,
  scopeOf,
  str,
  tagList,
} from './common.ts';
import type { ApiContext } from './context.ts';
import { visibleNetwork } from './networks.ts';
import { portView } from './views.ts';

const SORTABLE = [
  'id',
  'name',
  'mac_address',
  'status',
  'admin_state_up',
  'device_id',
  'device_owner',
  'network_id',
  'project_id',
  'tenant_id',
  'created_at',
  'updated_at',
  'revision_number',
  'binding:host_id',
  'binding:vnic_type',
];

async function visiblePort(api: ApiContext, req: FastifyRequest, id: string): Promise<PortRecord> {
  const p = await api.ports.get(id);
  if (p && can(req, 'get_port', { projectId: p.project_id })) return p;
  throw notFoundError('Port', id);
}

function fixedIps(raw: unknown): FixedIpRequest[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput(`Invalid data format for fixed IP: '${JSON.stringify(raw)}'`);
  return raw.map((f: unknown) => {
    const o = (f ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'subnet_id' && k !== 'ip_address')
        throw invalidInput(`Unrecognized attribute(s) '${k}' in fixed_ips`);
    if (o.subnet_id !== undefined && typeof o.subnet_id !== 'string')
      throw invalidInput('subnet_id must be a string');
    if (o.ip_address !== undefined && typeof o.ip_address !== 'string')
      throw invalidInput('ip_address must be a string');
    if (o.subnet_id === undefined && o.ip_address === undefined)
      throw invalidInput('Exactly one of subnet_id or ip_address is required in fixed_ips');
    return { subnet_id: o.subnet_id as string | undefined, ip_address: o.ip_address as string | undefined };
  });
}

function mac(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const m = typeof raw === 'string' ? normaliseMac(raw) : undefined;
  if (!m) throw invalidInput(`'${String(raw)}' is not a valid MAC address`);
  return m;
}

function groupIds(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return [];
  if (!Array.isArray(raw) || raw.some((g) => typeof g !== 'string'))
    throw invalidInput(`'${JSON.stringify(raw)}' is not a list of security group ids`);
  return raw as string[];
}

const hasBinding = (body: Record<string, unknown>) =>
  ['binding:host_id', 'binding:profile', 'binding:vnic_type'].some((k) => body[k] !== undefined);

export function portRoutes(app: FastifyInstance, api: ApiContext): void {
  app.post('/v2.0/ports', async (req, reply) => {
    const body = resourceBody(req, 'port');
    if (typeof body.network_id !== 'string') throw invalidInput("'network_id' is required");
    const network = await visibleNetwork(api, req, body.network_id);
    const projectId = ownerFor(req, body);
    enforceAction(req, 'create_port', { projectId });
    const netOwner = { projectId: network.project_id };
    const macAddress = mac(body.mac_address);
    if (macAddress) enforceAction(req, 'create_port:mac_address', netOwner);
    const ips = fixedIps(body.fixed_ips);
    if (ips?.some((f) => f.ip_address !== undefined))
      enforceAction(req, 'create_port:fixed_ips:ip_address', netOwner);
    if (hasBinding(body)) enforceAction(req, 'create_port:binding');
    const portSecurity = flag(body, 'port_security_enabled', network.port_security_enabled);
    const groups = groupIds(body.security_groups);
    const pairs = parseAddressPairs(body.allowed_address_pairs, macAddress ?? '');
    if (!portSecurity && ((groups?.length ?? 0) > 0 || pairs.length > 0))
      throw conflictError(
        'PortSecurityAndIPRequiredForSecurityGroups',
        'Port security must be enabled and port must have an IP address in order to use security groups.',
      );
    const p = await api.ports.create({
      project_id: projectId,
      network_id: network.id,
      name: str(body, 'name', ''),
      description: str(body, 'description', ''),
      admin_state_up: flag(body, 'admin_state_up', true),
      mac_address: macAddress,
      fixed_ips: ips,
      device_id: str(body, 'device_id', ''),
      device_owner: str(body, 'device_owner', ''),
      binding_host_id: str(body, 'binding:host_id', ''),
      binding_vnic_type: parseVnicType(body['binding:vnic_type']),
      binding_profile: parseProfile(body['binding:profile']),
      extra_dhcp_opts: parseExtraDhcpOpts(body.extra_dhcp_opts) as ExtraDhcpOpt[],
      allowed_address_pairs: pairs,
      security_groups: groups,
      port_security_enabled: portSecurity,
      dns_name: str(body, 'dns_name', ''),
      tags: tagList(body),
    });
    return reply.code(201).send({ port: portView(p) });
  });

  app.get('/v2.0/ports', async (req) => {
    const all = await api.ports.list(scopeOf(req));
    return listResponse(req, 'ports', 'Port', all.map(portView), SORTABLE);
  });

  app.get<{ Params: { id: string } }>('/v2.0/ports/:id', async (req) => ({
    port: portView(await visiblePort(api, req, req.params.id)),
  }));

  app.put<{ Params: { id: string } }>('/v2.0/ports/:id', async (req) => {
    const p = await visiblePort(api, req, req.params.id);
    enforceAction(req, 'update_port', { projectId: p.project_id });
    const body = resourceBody(req, 'port');
    if (body.network_id !== undefined && body.network_id !== p.network_id)
      throw invalidInput('Cannot update read-only attribute network_id');
    if (hasBinding(body)) enforceAction(req, 'update_port:binding');
    const network = await api.networks.get(p.network_id);
    const netOwner = { projectId: network?.project_id };
    const macAddress = mac(body.mac_address);
    if (macAddress && macAddress !== p.mac_address) {
      enforceAction(req, 'create_port:mac_address', netOwner);
      if (p.binding_host_id && p.binding_vnic_type !== 'baremetal')
        throw conflictError(
          'PortBound',
          `Unable to complete operation on port ${p.id}, port is already bound.`,
        );
    }
    const ips = fixedIps(body.fixed_ips);
    if (ips?.some((f) => f.ip_address !== undefined))
      enforceAction(req, 'create_port:fixed_ips:ip_address', netOwner);
    const opts =
      body.extra_dhcp_opts === undefined
        ? undefined
        : mergeExtraDhcpOpts(p.extra_dhcp_opts, parseExtraDhcpOpts(body.extra_dhcp_opts, true));
    const updated = await api.ports.update(p.id, {
      name: optStr(body, 'name'),
      description: optStr(body, 'description'),
      admin_state_up: optFlag(body, 'admin_state_up'),
      mac_address: macAddress,
      fixed_ips: ips,
      device_id: optStr(body, 'device_id'),
      device_owner: optStr(body, 'device_owner'),
      binding_host_id: optStr(body, 'binding:host_id'),
      binding_vnic_type:
        body['binding:vnic_type'] === undefined ? undefined : parseVnicType(body['binding:vnic_type']),
      binding_profile:
        body['binding:profile'] === undefined ? undefined : parseProfile(body['binding:profile']),
      extra_dhcp_opts: opts,
      allowed_address_pairs:
        body.allowed_address_pairs === undefined
          ? undefined
          : parseAddressPairs(body.allowed_address_pairs, macAddress ?? p.mac_address),
      security_groups: groupIds(body.security_groups),
      port_security_enabled: optFlag(body, 'port_security_enabled'),
      dns_name: optStr(body, 'dns_name'),
    });
    return { port: portView(updated) };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/ports/:id', async (req, reply) => {
    const p = await visiblePort(api, req, req.params.id);
    enforceAction(req, 'delete_port', { projectId: p.project_id });
    await api.ports.delete(p.id);
    return reply.code(204).send();
  });
}
