// The config drive handed to the agent: a string as the client sent it, or the ISO this service builds from
// a JSON configdrive (model/config-drive.ts lays out the files, the platform's xorriso builder makes the
// config-2 image), gzip+base64 as the agent's write_image expects it.

import { buildConfigDrive, packForBaremetal } from '../../platform/config-drive.ts';
import type { Ctx } from '../../platform/context.ts';
import { type ConfigDriveContent, configDriveTree } from '../model/config-drive.ts';

export async function configDriveForAgent(
  ctx: Ctx,
  drive: string | ConfigDriveContent,
  node: { uuid: string; name: string | null },
): Promise<string> {
  if (typeof drive === 'string') return drive;
  return packForBaremetal(await buildConfigDrive(ctx, configDriveTree(drive, node)));
}
