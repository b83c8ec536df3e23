// The Keystone user Heat makes for a server that polls the Heat API (software_config_transport
// POLL_SERVER_HEAT): a user in the stack project's domain, with a random password and the role
// `heat_stack_user` on the stack's project (the role is made when Keystone lacks it). That role grants
// nothing in the orchestration policy: the Heat API lets this user read only its own server's metadata
// (api/resources.ts). Made with the stack owner's token, so Keystone's policy judges it (admin).
import { randomBytes } from 'node:crypto';
import { deleteQuietly, keystone } from './keystone-lookup.ts';
import type { ResourceContext } from './plugin.ts';

export const STACK_USER_ROLE = 'heat_stack_user';

export interface StackUser {
  id: string;
  password: string;
}

export async function createStackUser(rc: ResourceContext, type: string): Promise<StackUser> {
  const k = keystone(rc, type);
  const project = await k.dir.get(rc.ctx, k.token, 'projects', rc.stack.projectId);
  const roles = await k.dir.find(rc.ctx, k.token, 'roles', { name: STACK_USER_ROLE });
  const role = roles[0] ?? (await k.dir.create(rc.ctx, k.token, 'roles', { name: STACK_USER_ROLE }));
  const password = randomBytes(24).toString('hex');
  const user = await k.dir.create(rc.ctx, k.token, 'users', {
    name: `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`.slice(-255),
    password,
    domain_id: project.domain_id,
    default_project_id: rc.stack.projectId,
    description: `Heat stack user of ${rc.stack.name}/${rc.name}`,
  });
  try {
    await k.dir.grant(rc.ctx, k.token, {
      role: role.id,
      actor: { users: user.id },
      target: { projects: rc.stack.projectId },
    });
  } catch (e) {
    await deleteQuietly(k, rc, 'users', user.id);
    throw e;
  }
  return { id: user.id, password };
}

export async function deleteStackUser(rc: ResourceContext, type: string, id: string): Promise<void> {
  await deleteQuietly(keystone(rc, type), rc, 'users', id);
}
