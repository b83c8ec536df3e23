// What the server worker asks the bare metal service to deploy (a build or a rebuild): the node's
// instance_info as Nova's ironic driver patches it, and the config drive packed as Ironic takes it.
import { randomBytes } from 'node:crypto';
import type { NodeDoc, PatchOp } from '../../baremetal/client.ts';
import { buildConfigDrive, packForBaremetal } from '../../platform/config-drive.ts';
import type { Ctx } from '../../platform/context.ts';
import { instanceFacts } from '../model/instance-facts.ts';
import { configDriveFiles } from '../model/metadata.ts';
import type { Server } from '../model/server.ts';

/** Nova's ironic driver's instance_info: the image, the flavor's sizes, what the node is told about itself. */
export function instanceInfo(s: Server, node: NodeDoc): PatchOp[] {
  const caps = Object.fromEntries(
    Object.entries(s.flavor.extra_specs)
      .filter(([k]) => k.startsWith('capabilities:'))
      .map(([k, v]) => [k.slice('capabilities:'.length), v]),
  );
  const info: Record<string, unknown> = {
    image_source: s.image_ref,
    root_gb: String(s.flavor.disk),
    swap_mb: String(s.flavor.swap),
    ephemeral_gb: String(s.flavor.ephemeral),
    display_name: s.name,
    vcpus: String(s.flavor.vcpus),
    memory_mb: String(s.flavor.ram),
    local_gb: String(node.properties.local_gb ?? s.flavor.disk),
    preserve_ephemeral: s.preserve_ephemeral,
    // Whose instance this is: the bare metal service deploys a private image only for its own project.
    project_id: s.project_id,
    user_id: s.user_id,
  };
  if (s.flavor.ephemeral > 0) info.ephemeral_format = 'ext4';
  if (Object.keys(caps).length > 0) info.capabilities = JSON.stringify(caps);
  return Object.entries(info).map(([k, v]) => ({ op: 'add', path: `/instance_info/${k}`, value: v }));
}

export async function configDrive(ctx: Ctx, s: Server): Promise<string | undefined> {
  if (!s.config_drive) return undefined;
  const files = configDriveFiles(instanceFacts(s, randomBytes(512).toString('base64')));
  return packForBaremetal(await buildConfigDrive(ctx, files));
}
