// Whose credentials an operator tool uses: OS_CLOUD or OS_AUTH_URL from the environment when set (as the
// openstack CLI), else the admin credentials the seed wrote to its state directory's clouds.yaml.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../platform/context.ts';
import { authenticate, credentialsFromEnv } from '../../platform/openstack-auth.ts';
import { CLOUD_NAME } from '../../seed/credentials.ts';
import { BaremetalHttp } from './baremetal-http.ts';

export async function baremetalFromEnv(
  ctx: Ctx,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<BaremetalHttp> {
  let effective = env;
  if (!env.OS_CLOUD && !env.OS_AUTH_URL) {
    const file = join(stateDir, 'clouds.yaml');
    if (!existsSync(file))
      throw new Error(`no OS_CLOUD or OS_AUTH_URL, and no ${file}: run ooo seed up, or source its seedrc`);
    effective = { ...env, OS_CLOUD: CLOUD_NAME, OS_CLIENT_CONFIG_FILE: file };
  }
  const session = await authenticate(ctx, credentialsFromEnv(effective));
  return new BaremetalHttp(session.endpoint('baremetal'), session.token);
}
