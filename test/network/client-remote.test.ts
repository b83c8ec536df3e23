// The network client in-process and over HTTP: a service that declares `needs: ['network']` gets the same
// interface either way. One scenario (lookups, port create/update/list/delete, and refusals) runs against
// both, and the transcripts must match: same results, same error codes, NeutronError types and messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderKeystoneError } from '../../src/identity/api/render.ts';
import type { NetworkClient } from '../../src/network/client.ts';
import { HttpNetworkClient } from '../../src/network/http-client.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import type { ServiceDefinition, ServiceDeps } from '../../src/platform/service.ts';
import { bootstrapServiceUsers } from '../../src/seed/bootstrap.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { buildServices } from '../../src/seed/start.ts';
import { startTestSeed } from '../support/seed.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

/** A service that only calls the network service, the way the bare metal and compute services will. */
function probeService(seen: ServiceDeps<'network'>[]): ServiceDefinition<'probe', 'network'> {
  return {
    name: 'probe',
    defaultPort: 0,
    catalog: [{ type: 'probe', name: 'probe', path: '' }],
    migrations: [],
    needs: ['network'],
    create(deps) {
      seen.push(deps);
      return { register: () => undefined, render: renderKeystoneError };
    },
  };
}

interface Fixture {
  networkId: string;
  subnetId: string;
  /** A network of a project that is neither the admin's nor the service's. */
  otherNetworkId: string;
}

type Row =
  | { call: string; ok: unknown }
  | { call: string; code: string; type: string | undefined; message: string };

/** Runs the scenario with values of its own (`n` picks the MAC, address and device), so both runs can share
 * one network; returns the transcript with those values replaced by placeholders. */
async function scenario(client: NetworkClient, f: Fixture, n: number): Promise<Row[]> {
  const mac = `52:54:00:aa:bb:0${n}`;
  const ip = `192.0.2.1${n}`;
  const device = `node-${n}`;
  const missing = `00000000-0000-4000-8000-00000000000${n}`;
  const rows: Row[] = [];
  const ids: string[] = [];
  const step = async (call: string, run: () => Promise<unknown>) => {
    try {
      rows.push({ call, ok: (await run()) ?? null });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      rows.push({ call, code: e.code, type: e.type, message: e.message });
    }
  };
  const portReq = {
    network_id: f.networkId,
    project_id: 'project-a',
    mac_address: mac.toUpperCase(),
    fixed_ips: [{ ip_address: ip }],
    device_id: device,
    device_owner: 'baremetal:none',
    'binding:host_id': device,
    'binding:vnic_type': 'baremetal',
    extra_dhcp_opts: [
      { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
      { opt_name: 'tftp-server', opt_value: '192.0.2.1' },
    ],
  };
  await step('getNetwork', () => client.getNetwork(ctx, f.networkId));
  await step(
    'getNetwork of another project',
    async () => (await client.getNetwork(ctx, f.otherNetworkId)).id,
  );
  await step('findNetworks by name', async () =>
    (await client.findNetworks(ctx, { name: 'net' })).map((x) => x.id),
  );
  await step('findNetworks, no match', () => client.findNetworks(ctx, { name: 'nothing' }));
  await step('getSubnet', () => client.getSubnet(ctx, f.subnetId));
  await step('createPort', async () => {
    const p = await client.createPort(ctx, portReq);
    ids.push(String(p.id));
    return p;
  });
  const port = ids[0] ?? 'none';
  await step('createPort on another project network', async () => {
    const p = await client.createPort(ctx, { network_id: f.otherNetworkId, project_id: 'project-a' });
    await client.deletePort(ctx, String(p.id));
    return p.network_id;
  });
  await step('updatePort: options merge', () =>
    client.updatePort(ctx, port, {
      name: 'pxe',
      extra_dhcp_opts: [
        { opt_name: 'tftp-server', opt_value: null },
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://192.0.2.1/boot.ipxe' },
      ],
    }),
  );
  await step('getPort', () => client.getPort(ctx, port));
  await step('listPorts by device', async () =>
    (await client.listPorts(ctx, { device_id: device })).map((p) => p.id),
  );
  await step('listPorts by upper-case MAC and network', async () =>
    (await client.listPorts(ctx, { mac_address: mac.toUpperCase(), network_id: f.networkId })).map(
      (p) => p.id,
    ),
  );
  await step('listPorts by a bad MAC', () => client.listPorts(ctx, { mac_address: 'zz:zz' }));
  await step('createPort with a bad MAC', () =>
    client.createPort(ctx, { ...portReq, mac_address: 'not-a-mac' }),
  );
  await step('createPort with a MAC in use', () =>
    client.createPort(ctx, { network_id: f.networkId, project_id: 'project-a', mac_address: mac }),
  );
  await step('createPort with an address in use', () =>
    client.createPort(ctx, {
      network_id: f.networkId,
      project_id: 'project-a',
      fixed_ips: [{ ip_address: ip }],
    }),
  );
  await step('createPort with a bad vnic type', () =>
    client.createPort(ctx, { network_id: f.networkId, project_id: 'p', 'binding:vnic_type': 'warp-drive' }),
  );
  await step('createPort on a missing network', () =>
    client.createPort(ctx, { ...portReq, network_id: missing }),
  );
  await step('getNetwork missing', () => client.getNetwork(ctx, missing));
  await step('getSubnet missing', () => client.getSubnet(ctx, missing));
  await step('updatePort missing', () => client.updatePort(ctx, missing, { name: 'x' }));
  await step('deletePort', () => client.deletePort(ctx, port));
  await step('getPort after delete', () => client.getPort(ctx, port));
  await step('deletePort again', () => client.deletePort(ctx, port));
  await step('listPorts by device after delete', () => client.listPorts(ctx, { device_id: device }));

  // Networks and subnets (what the orchestration service's OS::Neutron::Net and Subnet call).
  const made: string[] = [];
  await step('createNetwork', async () => {
    const net = await client.createNetwork(ctx, { project_id: 'project-a', name: `own-${n}`, mtu: 1400 });
    made.push(String(net.id));
    return net;
  });
  const net = made[0] ?? 'none';
  await step('createNetwork with a bad MTU', () =>
    client.createNetwork(ctx, { project_id: 'project-a', mtu: 12 }),
  );
  await step('createNetwork shared', () =>
    client.createNetwork(ctx, { project_id: 'project-a', name: 'shared', shared: true }),
  );
  await step('updateNetwork', () =>
    client.updateNetwork(ctx, net, { name: `own-${n}b`, admin_state_up: false }),
  );
  await step('createSubnet', async () => {
    const sub = await client.createSubnet(ctx, {
      network_id: net,
      project_id: 'project-a',
      cidr: '198.51.100.0/24',
      ip_version: 4,
      enable_dhcp: false,
      dns_nameservers: ['198.51.100.53'],
      allocation_pools: [{ start: '198.51.100.10', end: '198.51.100.20' }],
    });
    made.push(String(sub.id));
    return sub;
  });
  const subnet = made[1] ?? 'none';
  await step('createSubnet with a bad CIDR', () =>
    client.createSubnet(ctx, { network_id: net, project_id: 'project-a', cidr: '198.51.100.0/33' }),
  );
  await step('createSubnet on a missing network', () =>
    client.createSubnet(ctx, { network_id: missing, project_id: 'project-a', cidr: '203.0.113.0/24' }),
  );
  await step('findSubnets by network', async () =>
    (await client.findSubnets(ctx, { network_id: net })).map((x) => x.id),
  );
  await step('findSubnets by name, no match', () => client.findSubnets(ctx, { name: 'nothing' }));
  await step('updateSubnet', () => client.updateSubnet(ctx, subnet, { name: 'renamed', gateway_ip: null }));
  await step('updateSubnet missing', () => client.updateSubnet(ctx, missing, { name: 'x' }));
  await step('deleteSubnet', () => client.deleteSubnet(ctx, subnet));
  await step('deleteSubnet again', () => client.deleteSubnet(ctx, subnet));
  await step('deleteNetwork', () => client.deleteNetwork(ctx, net));
  await step('getNetwork after delete', () => client.getNetwork(ctx, net));
  await step('deleteNetwork again', () => client.deleteNetwork(ctx, net));

  const text = JSON.stringify(rows, (k, v) => (k === 'created_at' || k === 'updated_at' ? '<time>' : v))
    .replaceAll(port, '<port>')
    .replaceAll(net, '<net>')
    .replaceAll(subnet, '<subnet>')
    .replaceAll(`own-${n}`, '<own>')
    .replaceAll(mac, '<mac>')
    .replaceAll(mac.toUpperCase(), '<MAC>')
    .replaceAll(ip, '<ip>')
    .replaceAll(ip.replaceAll('.', '-'), '<ip>')
    .replaceAll(device, '<device>')
    .replaceAll(missing, '<missing>');
  return JSON.parse(text) as Row[];
}

test('the network client in-process and over HTTP: same results, same errors', async (t) => {
  const seen: ServiceDeps<'network'>[] = [];
  const defs = [...ALL_SERVICES, probeService(seen)];
  const s = await startTestSeed({ services: ['network', 'probe'], definitions: defs });
  t.after(() => s.stop());
  await bootstrapServiceUsers(s.seed.ctx, s.config, s.seed.identity!, defs, 'all');

  const api = async (token: string, path: string, body: unknown) => {
    const res = await fetch(`${s.urls.network}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201, path);
    return (await res.json()) as Record<string, { id: string }>;
  };
  const admin = await s.tokenFor('admin', s.adminPassword, 'admin');
  const net = (await api(admin, '/v2.0/networks', { network: { name: 'net' } })).network!;
  const sub = (
    await api(admin, '/v2.0/subnets', {
      subnet: { network_id: net.id, cidr: '192.0.2.0/24', ip_version: 4, enable_dhcp: false },
    })
  ).subnet!;
  const user = await s.addUser('tenant');
  const other = (await api(user.token, '/v2.0/networks', { network: { name: 'private' } })).network!;
  const fixture: Fixture = { networkId: net.id, subnetId: sub.id, otherNetworkId: other.id };

  const local = seen[0]!.clients.get('network');
  const remote = await buildServices(
    {
      ...s.config,
      stateDir: `${s.stateDir}/apart`,
      services: ['probe'],
      serviceUrls: { identity: s.urls.identity!, network: s.urls.network! },
      serviceCredentials: `${s.stateDir}/service-credentials.json`,
      databaseUrl: '',
    },
    silentLogger(),
    defs,
  );
  t.after(() => remote.close());
  assert.deepEqual(
    remote.built.map((b) => b.definition.name),
    ['probe'],
    'the network service is not started in the probe process',
  );
  const overHttp = seen[1]!.clients.get('network');
  assert.ok(overHttp instanceof HttpNetworkClient);

  const inProcess = await scenario(local, fixture, 1);
  const viaHttp = await scenario(overHttp, fixture, 2);
  assert.deepEqual(viaHttp, inProcess);

  // The transcript is what it claims: results where they should be, the codes Neutron's clients expect.
  const codes = Object.fromEntries(
    inProcess.map((r) => [r.call, 'code' in r ? `${r.code} ${r.type}` : 'ok']),
  );
  assert.deepEqual(codes, {
    getNetwork: 'ok',
    'getNetwork of another project': 'ok',
    'findNetworks by name': 'ok',
    'findNetworks, no match': 'ok',
    getSubnet: 'ok',
    createPort: 'ok',
    'createPort on another project network': 'ok',
    'updatePort: options merge': 'ok',
    getPort: 'ok',
    'listPorts by device': 'ok',
    'listPorts by upper-case MAC and network': 'ok',
    'listPorts by a bad MAC': 'BAD_REQUEST InvalidInput',
    'createPort with a bad MAC': 'BAD_REQUEST InvalidInput',
    'createPort with a MAC in use': 'CONFLICT MacAddressInUse',
    'createPort with an address in use': 'CONFLICT IpAddressAlreadyAllocated',
    'createPort with a bad vnic type': 'BAD_REQUEST InvalidInput',
    'createPort on a missing network': 'NOT_FOUND NetworkNotFound',
    'getNetwork missing': 'NOT_FOUND NetworkNotFound',
    'getSubnet missing': 'NOT_FOUND SubnetNotFound',
    'updatePort missing': 'NOT_FOUND PortNotFound',
    deletePort: 'ok',
    'getPort after delete': 'NOT_FOUND PortNotFound',
    'deletePort again': 'NOT_FOUND PortNotFound',
    'listPorts by device after delete': 'ok',
    createNetwork: 'ok',
    'createNetwork with a bad MTU': 'BAD_REQUEST InvalidInput',
    'createNetwork shared': 'FORBIDDEN PolicyNotAuthorized',
    updateNetwork: 'ok',
    createSubnet: 'ok',
    'createSubnet with a bad CIDR': 'BAD_REQUEST InvalidInput',
    'createSubnet on a missing network': 'NOT_FOUND NetworkNotFound',
    'findSubnets by network': 'ok',
    'findSubnets by name, no match': 'ok',
    updateSubnet: 'ok',
    'updateSubnet missing': 'NOT_FOUND SubnetNotFound',
    deleteSubnet: 'ok',
    'deleteSubnet again': 'NOT_FOUND SubnetNotFound',
    deleteNetwork: 'ok',
    'getNetwork after delete': 'NOT_FOUND NetworkNotFound',
    'deleteNetwork again': 'NOT_FOUND NetworkNotFound',
  });
  const ok = (call: string) => (inProcess.find((r) => r.call === call) as { ok: Record<string, unknown> }).ok;
  assert.equal(ok('createPort').mac_address, '<mac>');
  assert.deepEqual(ok('createPort').fixed_ips, [{ subnet_id: sub.id, ip_address: '<ip>' }]);
  assert.deepEqual(ok('findNetworks by name'), [net.id]);
  assert.deepEqual(ok('listPorts by device'), ['<port>']);
  assert.deepEqual(ok('listPorts by upper-case MAC and network'), ['<port>']);
  assert.deepEqual(ok('listPorts by device after delete'), []);
  assert.equal(ok('updatePort: options merge').name, 'pxe');
  assert.equal(ok('createNetwork').mtu, 1400);
  assert.equal(ok('createNetwork').project_id, 'project-a');
  assert.equal(ok('updateNetwork').name, '<own>b');
  assert.equal(ok('updateNetwork').admin_state_up, false);
  assert.deepEqual(ok('createSubnet').allocation_pools, [{ start: '198.51.100.10', end: '198.51.100.20' }]);
  assert.equal(ok('createSubnet').gateway_ip, '198.51.100.1');
  assert.deepEqual(ok('findSubnets by network'), ['<subnet>']);
  assert.equal(ok('updateSubnet').name, 'renamed');
  assert.equal(ok('updateSubnet').gateway_ip, null);
});

test('the HTTP network client: a network service that does not answer is UNAVAILABLE', async () => {
  const client = new HttpNetworkClient('http://127.0.0.1:9', {
    token: async () => 'tok',
    invalidate: () => undefined,
  });
  await assert.rejects(
    client.getNetwork(ctx, 'x'),
    (e: unknown) => e instanceof AppError && e.code === 'UNAVAILABLE',
  );
});
