// OS::Nova::Server over the compute service's client (Nova's REST API, acting with the user's token).
// With user_data_format SOFTWARE_CONFIG the server's metadata carries an os-collect-config block — kept in
// the resource's sealed private data and served, with the sorted `deployments`, as its metadata — and the
// user data's cfn-init-data part holds that metadata (tripleo-tooling §6.2 (b)). The transport decides
// the block: POLL_SERVER_CFN an access key for the CFN API; POLL_SERVER_HEAT a Keystone stack user whose
// password lets os-collect-config's heat collector read the metadata through the Heat API.
// HEAT_CFNTOOLS (the default) gives the heat-cfntools boot parts with the resource's Metadata.
// Name and metadata update in place; an image change rebuilds (REBUILD, REBUILD_PRESERVE_EPHEMERAL) or
// replaces (REPLACE); anything else replaces.
import { randomBytes } from 'node:crypto';
import type { NovaNetworkRequest, NovaServer } from '../../../compute/client.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { ResourceRow } from '../../store/stacks.ts';
import type { Outcome, ResourceContext, ResourcePlugin } from './plugin.ts';
import { addressesOf, boot, compute, imageId, networkId, removeServer, settle } from './server-boot.ts';
import { cfntoolsUserData, softwareConfigUserData } from './server-user-data.ts';
import { createStackUser, deleteStackUser } from './stack-user.ts';

const TYPE = 'OS::Nova::Server';

async function networks(rc: ResourceContext, props: JsonMap): Promise<NovaNetworkRequest[] | undefined> {
  if (!Array.isArray(props.networks)) return undefined;
  const out: NovaNetworkRequest[] = [];
  for (const n of props.networks.filter(isMap)) {
    if (n.port) {
      out.push({ port: String(n.port) });
      continue;
    }
    const uuid = await networkId(rc, String(n.network ?? n.uuid ?? ''));
    out.push({ uuid, ...(n.fixed_ip ? { fixed_ip: String(n.fixed_ip) } : {}) });
  }
  return out;
}

/** Nova metadata values are strings: anything else is sent as its JSON. */
const novaMetadata = (m: Json): Record<string, string> =>
  Object.fromEntries(
    Object.entries(isMap(m) ? m : {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );

function attributesOf(s: NovaServer, occ: JsonMap | undefined): JsonMap {
  const { networks: nets, first } = addressesOf(s);
  return {
    name: s.name,
    first_address: first,
    networks: nets,
    addresses: s.addresses as unknown as JsonMap,
    accessIPv4: s.accessIPv4 ?? '',
    accessIPv6: s.accessIPv6 ?? '',
    instance_name: s.name,
    ...(occ ? { os_collect_config: occ } : {}),
  };
}

/** The block with its secrets masked (views and attributes). */
const maskedOcc = (occ: JsonMap): JsonMap => ({
  ...occ,
  ...(isMap(occ.cfn) ? { cfn: { ...occ.cfn, secret_access_key: '******' } } : {}),
  ...(isMap(occ.heat) ? { heat: { ...occ.heat, password: '******' } } : {}),
});

/** The os-collect-config block for the transport, and the credentials it holds (private data). */
async function collectBlock(
  rc: ResourceContext,
  transport: string,
): Promise<{ occ: JsonMap; data: JsonMap }> {
  if (transport === 'POLL_SERVER_HEAT') {
    const user = await createStackUser(rc, TYPE);
    const occ = {
      collectors: ['ec2', 'heat', 'local'],
      heat: {
        auth_url: rc.authUrl(),
        user_id: user.id,
        password: user.password,
        project_id: rc.stack.projectId,
        stack_id: `${rc.stack.name}/${rc.stack.id}`,
        resource_name: rc.name,
        ...(rc.region ? { region_name: rc.region } : {}),
      },
    };
    return { occ, data: { occ, stackUser: user.id } };
  }
  const key = await rc.store.credentials.issue({
    projectId: rc.stack.projectId,
    stackId: rc.stack.id,
    resourceName: rc.name,
  });
  const occ = {
    collectors: ['ec2', 'cfn', 'local'],
    cfn: {
      metadata_url: `${rc.cfnUrl()}/v1/`,
      access_key_id: key.accessKey,
      secret_access_key: key.secret,
      stack_name: rc.stack.name,
      path: `${rc.name}.Metadata`,
    },
  };
  return { occ, data: { occ } };
}

/** Gives back what collectBlock made: the access key, the stack user. */
async function dropCredentials(rc: ResourceContext, data: JsonMap): Promise<void> {
  const cfn = isMap(data.occ) && isMap(data.occ.cfn) ? data.occ.cfn : {};
  await rc.store.credentials.revoke(typeof cfn.access_key_id === 'string' ? cfn.access_key_id : undefined);
  if (typeof data.stackUser === 'string') await deleteStackUser(rc, TYPE, data.stackUser);
}

async function create(rc: ResourceContext, props: JsonMap): Promise<Outcome> {
  const { c, auth } = compute(rc);
  const name = String(props.name ?? `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`);
  const format = String(props.user_data_format ?? 'HEAT_CFNTOOLS');
  let block: { occ: JsonMap; data: JsonMap } | undefined;
  let userData = String(props.user_data ?? '');
  if (format === 'SOFTWARE_CONFIG') {
    block = await collectBlock(rc, String(props.software_config_transport ?? 'POLL_SERVER_CFN'));
    const metadata = { ...(rc.metadata ?? {}), 'os-collect-config': block.occ, deployments: [] };
    const base = block.occ.cfn ? rc.cfnUrl() : undefined;
    userData = softwareConfigUserData(userData, metadata, base);
  } else if (format === 'HEAT_CFNTOOLS')
    userData = cfntoolsUserData({
      userData,
      metadata: rc.metadata ?? {},
      cfnBase: rc.cfnUrl(),
      instanceUser: '',
    });
  try {
    const nics = await networks(rc, props);
    const s = await boot(rc, TYPE, {
      name,
      imageRef: await imageId(rc, String(props.image)),
      flavorRef: await c.findFlavor(rc.ctx, auth, String(props.flavor)),
      ...(props.key_name ? { key_name: String(props.key_name) } : {}),
      ...(userData ? { user_data: Buffer.from(userData).toString('base64') } : {}),
      ...(isMap(props.metadata) ? { metadata: novaMetadata(props.metadata) } : {}),
      ...(nics ? { networks: nics } : {}),
      ...(props.config_drive === true ? { config_drive: true } : {}),
      ...(props.availability_zone ? { availability_zone: String(props.availability_zone) } : {}),
      ...(props.admin_pass ? { admin_pass: String(props.admin_pass) } : {}),
      ...(isMap(props.scheduler_hints) ? { scheduler_hints: props.scheduler_hints } : {}),
    });
    return {
      physicalId: s.id,
      attributes: attributesOf(s, block ? maskedOcc(block.occ) : undefined),
      data: block?.data ?? {},
    };
  } catch (e) {
    // The row keeps nothing of a failed create: its credentials go now.
    if (block) await dropCredentials(rc, block.data).catch(() => undefined);
    throw e;
  }
}

export const novaServerResource: ResourcePlugin = {
  type: TYPE,
  description: 'A server (an instance or a bare metal machine) through the compute service.',
  properties: {
    name: { type: 'string', updateAllowed: true, description: 'Server name.' },
    image: {
      type: 'string',
      required: true,
      updateAllowed: true,
      description: 'The ID or name of the image to boot with.',
    },
    flavor: { type: 'string', required: true, description: 'The ID or name of the flavor to boot onto.' },
    key_name: { type: 'string', description: 'Name of keypair to inject into the server.' },
    networks: {
      type: 'list',
      items: {
        type: 'map',
        schema: {
          network: { type: 'string' },
          uuid: { type: 'string' },
          port: { type: 'string' },
          fixed_ip: { type: 'string' },
        },
      },
      description: 'An ordered list of nics to be added to this server.',
    },
    user_data: { type: 'string', default: '', description: 'User data script to be executed by cloud-init.' },
    user_data_format: {
      type: 'string',
      default: 'HEAT_CFNTOOLS',
      allowedValues: ['HEAT_CFNTOOLS', 'RAW', 'SOFTWARE_CONFIG'],
      description: 'How the user_data should be formatted for the server.',
    },
    software_config_transport: {
      type: 'string',
      default: 'POLL_SERVER_CFN',
      allowedValues: ['POLL_SERVER_CFN', 'POLL_SERVER_HEAT'],
      description:
        'How the server should receive the metadata required for software configuration (POLL_TEMP_URL and ZAQAR_MESSAGE are not available here).',
    },
    scheduler_hints: {
      type: 'map',
      description:
        'Arbitrary key-value pairs for the scheduler, e.g. {group: <OS::Nova::ServerGroup id>} (os:scheduler_hints).',
    },
    metadata: {
      type: 'map',
      updateAllowed: true,
      description: 'Arbitrary key/value metadata to store for this server.',
    },
    config_drive: { type: 'boolean', description: 'If True, enable config drive on the server.' },
    availability_zone: { type: 'string' },
    admin_pass: { type: 'string' },
    image_update_policy: {
      type: 'string',
      default: 'REBUILD',
      allowedValues: ['REBUILD', 'REPLACE', 'REBUILD_PRESERVE_EPHEMERAL'],
      updateAllowed: true,
      description:
        'Policy on how to apply an image-id update; either by requesting a server rebuild or by replacing the entire server.',
    },
  },
  attributes: {
    name: 'Name of the server.',
    first_address: 'Convenience attribute to fetch the first assigned network address.',
    networks:
      'A dict of assigned network addresses of the form {"public": [ip1, ip2...], "private": [ip3, ip4]}.',
    addresses: 'A dict of all network addresses with corresponding port_id and more.',
    accessIPv4: 'The manually assigned alternative public IPv4 address of the server.',
    accessIPv6: 'The manually assigned alternative public IPv6 address of the server.',
    instance_name: 'The name of the server.',
    os_collect_config: 'The os-collect-config configuration for the server (secret masked).',
  },
  create,
  needsReplace: (props, prev) =>
    props.image !== prev.properties.image && props.image_update_policy === 'REPLACE',
  async update(rc, props, prev: ResourceRow) {
    const { c, auth } = compute(rc);
    const id = prev.physicalId as string;
    if (props.image !== prev.properties.image) {
      await c.rebuildServer(rc.ctx, auth, id, {
        imageRef: await imageId(rc, String(props.image)),
        ...(props.image_update_policy === 'REBUILD_PRESERVE_EPHEMERAL' ? { preserve_ephemeral: true } : {}),
      });
      // Nova answers 202 and moves the server to REBUILD; settle waits for it to be ACTIVE again.
    }
    if (props.name !== undefined && props.name !== prev.properties.name)
      await c.renameServer(rc.ctx, auth, id, String(props.name));
    if (JSON.stringify(props.metadata ?? {}) !== JSON.stringify(prev.properties.metadata ?? {}))
      await c.setMetadata(rc.ctx, auth, id, novaMetadata(props.metadata ?? {}));
    const occ = isMap(prev.data.occ) ? prev.data.occ : undefined;
    const s = await settle(rc, id, TYPE);
    return { physicalId: id, attributes: attributesOf(s, occ ? maskedOcc(occ) : undefined), data: prev.data };
  },
  async delete(rc, row) {
    if (row.physicalId) await removeServer(rc, TYPE, row.physicalId);
    await dropCredentials(rc, row.data);
  },
};
