// OS::Nova::Server over the compute service's client (Nova's REST API, acting with the user's token).
// With user_data_format SOFTWARE_CONFIG and software_config_transport POLL_SERVER_CFN the resource issues
// an access key for the server, keeps the os-collect-config block (cfn endpoint, stack, path, keys) in
// its sealed private data — the CFN API serves it, with the sorted `deployments`, as the resource's
// metadata — and puts that metadata in the user data's cfn-init-data part (tripleo-tooling §6.2 (b)).
// Name and metadata update in place; an image change rebuilds (REBUILD, REBUILD_PRESERVE_EPHEMERAL) or
// replaces (REPLACE); anything else replaces.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeAuth, ComputeClient, NovaNetworkRequest, NovaServer } from '../../../compute/client.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { ResourceRow } from '../../store/stacks.ts';
import type { Outcome, ResourceContext, ResourcePlugin } from './plugin.ts';

/** The compute client and the user's token, for a type over compute. */
export function compute(
  rc: ResourceContext,
  type = 'OS::Nova::Server',
): { c: ComputeClient; auth: ComputeAuth } {
  const c = rc.clients.compute;
  if (!c) throw new Error(`${type} needs the compute service, which this seed does not reach.`);
  if (!rc.token) throw new Error(`${type} acts with the user’s token, and this operation has none.`);
  return { c, auth: { token: rc.token } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function imageId(rc: ResourceContext, ref: string): Promise<string> {
  const image = rc.clients.image;
  if (UUID.test(ref) || !image || !rc.token) return ref;
  const named = await image.connect(rc.token).list(rc.ctx, { name: ref });
  if (named.length === 1) return String(named[0]?.id);
  throw new Error(
    named.length > 1 ? `Multiple images named ${ref} exist.` : `The Image (${ref}) could not be found.`,
  );
}

async function networks(rc: ResourceContext, props: JsonMap): Promise<NovaNetworkRequest[] | undefined> {
  if (!Array.isArray(props.networks)) return undefined;
  const out: NovaNetworkRequest[] = [];
  for (const n of props.networks.filter(isMap)) {
    if (n.port) {
      out.push({ port: String(n.port) });
      continue;
    }
    let uuid = String(n.network ?? n.uuid ?? '');
    if (uuid && !UUID.test(uuid) && rc.clients.network) {
      const named = await rc.clients.network.findNetworks(rc.ctx, { name: uuid });
      if (named.length !== 1) throw new Error(`The network (${uuid}) could not be found.`);
      uuid = String(named[0]?.id);
    }
    out.push({ uuid, ...(n.fixed_ip ? { fixed_ip: String(n.fixed_ip) } : {}) });
  }
  return out;
}

/** Nova metadata values are strings: anything else is sent as its JSON. */
const novaMetadata = (m: Json): Record<string, string> =>
  Object.fromEntries(
    Object.entries(isMap(m) ? m : {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );

/** The cloud-init multipart user data Heat builds: the user's part, and the cfn-init-data metadata. */
export function softwareConfigUserData(
  userData: string,
  metadata: JsonMap,
  cfnBase: string | undefined,
): string {
  const boundary = `===============${randomBytes(8).toString('hex')}==`;
  const part = (type: string, name: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset="us-ascii"`,
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: 7bit',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      body,
    ].join('\n');
  const parts: string[] = [];
  if (userData !== '')
    parts.push(
      part(
        userData.startsWith('#cloud-config') ? 'text/cloud-config' : 'text/x-shellscript',
        'userdata',
        userData,
      ),
    );
  parts.push(part('text/x-cfninitdata', 'cfn-init-data', JSON.stringify(metadata)));
  if (cfnBase) parts.push(part('text/x-cfninitdata', 'cfn-metadata-server', `${cfnBase}/v1/`));
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    'MIME-Version: 1.0',
    '',
    ...parts,
    `--${boundary}--`,
    '',
  ].join('\n');
}

/** Waits for the server to settle: ACTIVE, or ERROR (with Nova's fault) as a failure. */
async function settle(rc: ResourceContext, id: string): Promise<NovaServer> {
  const { c, auth } = compute(rc);
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const s = await c.getServer(rc.ctx, auth, id);
    if (s.status === 'ACTIVE') return s;
    if (s.status === 'ERROR')
      throw new Error(`Went to status ERROR due to "${s.fault?.message ?? 'Unknown'}"`);
    await sleep(delay, undefined, { signal: rc.signal });
  }
}

function attributesOf(s: NovaServer, occ: JsonMap | undefined): JsonMap {
  const nets: JsonMap = {};
  let first = '';
  for (const [net, addrs] of Object.entries(s.addresses ?? {})) {
    nets[net] = addrs.map((a) => a.addr);
    if (!first && addrs[0]) first = addrs[0].addr;
  }
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

const maskedOcc = (occ: JsonMap): JsonMap =>
  isMap(occ.cfn) ? { ...occ, cfn: { ...occ.cfn, secret_access_key: '******' } } : occ;

async function create(rc: ResourceContext, props: JsonMap): Promise<Outcome> {
  const { c, auth } = compute(rc);
  const name = String(props.name ?? `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`);
  const format = String(props.user_data_format ?? 'HEAT_CFNTOOLS');
  const transport = String(props.software_config_transport ?? 'POLL_SERVER_CFN');
  let occ: JsonMap | undefined;
  let userData = String(props.user_data ?? '');
  if (format !== 'RAW') {
    const base = rc.cfnUrl();
    if (format === 'SOFTWARE_CONFIG') {
      if (transport !== 'POLL_SERVER_CFN')
        throw new Error(`software_config_transport ${transport} is not available: only POLL_SERVER_CFN is.`);
      const key = await rc.store.credentials.issue({
        projectId: rc.stack.projectId,
        stackId: rc.stack.id,
        resourceName: rc.name,
      });
      occ = {
        collectors: ['ec2', 'cfn', 'local'],
        cfn: {
          metadata_url: `${base}/v1/`,
          access_key_id: key.accessKey,
          secret_access_key: key.secret,
          stack_name: rc.stack.name,
          path: `${rc.name}.Metadata`,
        },
      };
    }
    const metadata: JsonMap = occ ? { 'os-collect-config': occ, deployments: [] } : {};
    userData = softwareConfigUserData(userData, metadata, base);
  }
  const nics = await networks(rc, props);
  const created = await c.createServer(rc.ctx, auth, {
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
  });
  try {
    const s = await settle(rc, created.id);
    return {
      physicalId: created.id,
      attributes: attributesOf(s, occ ? maskedOcc(occ) : undefined),
      data: occ ? { occ } : {},
    };
  } catch (e) {
    // The row keeps no id for a failed create: the server that failed to build goes now.
    await c.deleteServer(rc.ctx, auth, created.id).catch(() => undefined);
    throw e;
  }
}

export const novaServerResource: ResourcePlugin = {
  type: 'OS::Nova::Server',
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
      allowedValues: ['POLL_SERVER_CFN'],
      description:
        'How the server should receive the metadata required for software configuration (POLL_SERVER_HEAT, POLL_TEMP_URL and ZAQAR_MESSAGE are not available here).',
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
    const s = await settle(rc, id);
    return { physicalId: id, attributes: attributesOf(s, occ ? maskedOcc(occ) : undefined), data: prev.data };
  },
  async delete(rc, row) {
    if (row.physicalId) {
      const { c, auth } = compute(rc);
      await c.deleteServer(rc.ctx, auth, row.physicalId);
      for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
        const gone = await c.getServer(rc.ctx, auth, row.physicalId).then(
          (s) => s.status === 'DELETED',
          (e: { status?: number }) => {
            if (e.status === 404) return true;
            throw e;
          },
        );
        if (gone) break;
        await sleep(delay, undefined, { signal: rc.signal });
      }
    }
    const occ = isMap(row.data.occ) && isMap(row.data.occ.cfn) ? row.data.occ.cfn : {};
    await rc.store.credentials.revoke(typeof occ.access_key_id === 'string' ? occ.access_key_id : undefined);
  },
};
