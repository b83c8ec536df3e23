// AWS::EC2::Instance as the era's TripleO templates used it, over the same compute path as
// OS::Nova::Server (server-boot.ts): ImageId and InstanceType by name or id, KeyName, AvailabilityZone,
// UserData in Heat's HEAT_CFNTOOLS user data (the heat-cfntools parts, the resource's Metadata as
// cfn-init-data, the CFN endpoint as cfn-metadata-server, the account ec2-user), Tags as Nova metadata,
// NovaSchedulerHints as os:scheduler_hints, and the network either as NetworkInterfaces (ports, in
// DeviceIndex order) or SubnetId (a port made on that subnet, removed with the instance). The Metadata is
// served as it is through the CFN API (DescribeStackResource), the way os-collect-config's cfn collector
// reads it with the access key the template gives it. This service has no security groups: SecurityGroups
// and SecurityGroupIds take only the project's `default` group, anything else is refused at validate
// time. Tags and Metadata update in place; any other change replaces the instance.
import type { NovaNetworkRequest, NovaServer } from '../../../compute/client.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';
import { addressesOf, boot, compute, imageId, removeServer, settle } from './server-boot.ts';
import { cfntoolsUserData } from './server-user-data.ts';

const TYPE = 'AWS::EC2::Instance';

const KEY_VALUE = {
  type: 'map' as const,
  schema: {
    Key: { type: 'string' as const, required: true },
    Value: { type: 'string' as const, required: true },
  },
};

const pairs = (v: Json | undefined): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(v) ? v : []).filter(isMap).map((t) => [String(t.Key), String(t.Value)] as const),
  );

function attributesOf(s: NovaServer): JsonMap {
  const { first } = addressesOf(s);
  // Heat answers every address attribute with the server's first address, and the DNS names too.
  return {
    PublicIp: first,
    PrivateIp: first,
    PublicDnsName: first,
    PrivateDnsName: first,
    AvailabilityZone: String(s['OS-EXT-AZ:availability_zone'] ?? ''),
  };
}

/** The nics: NetworkInterfaces' ports by DeviceIndex, or a port made on SubnetId (kept in the data). */
async function nicsOf(
  rc: ResourceContext,
  props: JsonMap,
): Promise<{ nics?: NovaNetworkRequest[]; madePort?: string }> {
  if (Array.isArray(props.NetworkInterfaces) && props.NetworkInterfaces.length > 0) {
    const items = props.NetworkInterfaces.map((n, i) =>
      isMap(n)
        ? { port: String(n.NetworkInterfaceId), index: Number(n.DeviceIndex ?? i) }
        : { port: String(n), index: i },
    ).sort((a, b) => a.index - b.index);
    return { nics: items.map((n) => ({ port: n.port })) };
  }
  if (typeof props.SubnetId !== 'string') return {};
  const net = rc.clients.network;
  if (!net) throw new Error(`${TYPE} SubnetId needs the network service, which this engine was not given.`);
  const subnet = await net.getSubnet(rc.ctx, props.SubnetId);
  const port = await net.createPort(rc.ctx, {
    network_id: String(subnet.network_id),
    project_id: rc.stack.projectId,
    name: `${rc.stack.name}-${rc.name}`,
    fixed_ips: [{ subnet_id: String(subnet.id) }],
  });
  return { nics: [{ port: String(port.id) }], madePort: String(port.id) };
}

async function dropPort(rc: ResourceContext, id: Json | undefined): Promise<void> {
  const net = rc.clients.network;
  if (typeof id !== 'string' || !net) return;
  await net.deletePort(rc.ctx, id).catch((e: { status?: number; code?: string }) => {
    if (e.status !== 404 && e.code !== 'NOT_FOUND') throw e;
  });
}

export const awsInstanceResource: ResourcePlugin = {
  type: TYPE,
  description: 'An EC2-style instance (a server through the compute service), with heat-cfntools user data.',
  properties: {
    ImageId: { type: 'string', required: true, description: 'Glance image ID or name.' },
    InstanceType: { type: 'string', required: true, description: 'Nova instance type (flavor).' },
    KeyName: { type: 'string', description: 'Optional Nova keypair name.' },
    AvailabilityZone: { type: 'string', description: 'Availability zone to launch the instance in.' },
    UserData: { type: 'string', default: '', description: 'User data to pass to instance.' },
    Tags: {
      type: 'list',
      items: KEY_VALUE,
      updateAllowed: true,
      description: 'Tags to attach to instance (Nova metadata).',
    },
    NovaSchedulerHints: {
      type: 'list',
      items: KEY_VALUE,
      description: 'Scheduler hints to pass to Nova (Heat extension).',
    },
    NetworkInterfaces: {
      type: 'list',
      items: { type: 'any' },
      description: 'Network interfaces: port ids, or {NetworkInterfaceId, DeviceIndex} maps.',
    },
    SubnetId: { type: 'string', description: 'Subnet ID to launch instance in (a port is made on it).' },
    SecurityGroups: {
      type: 'list',
      items: { type: 'string', allowedValues: ['default'] },
      description: 'Security group names: only the project’s default group (this cloud has no others).',
    },
    SecurityGroupIds: {
      type: 'list',
      items: { type: 'string', allowedValues: ['default'] },
      description: 'Security group IDs: only the project’s default group (this cloud has no others).',
    },
  },
  attributes: {
    AvailabilityZone: 'The Availability Zone where the specified instance is launched.',
    PrivateDnsName: 'Private DNS name of the specified instance.',
    PublicDnsName: 'Public DNS name of the specified instance.',
    PrivateIp: 'Private IP address of the specified instance.',
    PublicIp: 'Public IP address of the specified instance.',
  },
  async create(rc, props) {
    const { c, auth } = compute(rc, TYPE);
    const userData = cfntoolsUserData({
      userData: String(props.UserData ?? ''),
      metadata: rc.metadata ?? {},
      cfnBase: rc.cfnUrl(),
      instanceUser: 'ec2-user',
    });
    const { nics, madePort } = await nicsOf(rc, props);
    try {
      const tags = pairs(props.Tags);
      const hints = pairs(props.NovaSchedulerHints);
      const s = await boot(rc, TYPE, {
        name: `${rc.stack.name}-${rc.name}`,
        imageRef: await imageId(rc, String(props.ImageId)),
        flavorRef: await c.findFlavor(rc.ctx, auth, String(props.InstanceType)),
        ...(props.KeyName ? { key_name: String(props.KeyName) } : {}),
        user_data: Buffer.from(userData).toString('base64'),
        ...(Object.keys(tags).length > 0 ? { metadata: tags } : {}),
        ...(nics ? { networks: nics } : {}),
        ...(props.AvailabilityZone ? { availability_zone: String(props.AvailabilityZone) } : {}),
        ...(Object.keys(hints).length > 0 ? { scheduler_hints: hints } : {}),
      });
      const data: JsonMap = madePort ? { port: madePort } : {};
      return { physicalId: s.id, attributes: attributesOf(s), data };
    } catch (e) {
      await dropPort(rc, madePort).catch(() => undefined);
      throw e;
    }
  },
  async update(rc, props, prev) {
    const { c, auth } = compute(rc, TYPE);
    const id = String(prev.physicalId);
    if (JSON.stringify(props.Tags ?? []) !== JSON.stringify(prev.properties.Tags ?? []))
      await c.setMetadata(rc.ctx, auth, id, pairs(props.Tags));
    // A Metadata change needs nothing here: the engine keeps it and the CFN API serves it.
    const s = await settle(rc, id, TYPE);
    return { physicalId: id, attributes: attributesOf(s), data: prev.data };
  },
  async delete(rc, row) {
    if (row.physicalId) await removeServer(rc, TYPE, row.physicalId);
    await dropPort(rc, row.data.port);
  },
};
