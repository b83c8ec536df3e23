// keystone-manage bootstrap: the default domain, the default roles with their implications
// (admin ⊃ member ⊃ reader), the admin and service projects, the admin user with the admin role on the
// admin project and on the system. Idempotent: run again, it only fixes what differs.
import type { Queryable } from '../platform/db/types.ts';
import { registerEndpoints } from './catalog.ts';
import type { BootstrapOptions, ServiceUser } from './client.ts';
import type { IdentityCore } from './core.ts';
import { hashSecret, verifySecret } from './model/password.ts';
import { DEFAULT_DOMAIN_ID, type Role } from './model/types.ts';
import { createDomain, createProject, getDomain, getProjectByName } from './store/resources.ts';
import { addImplication, createRole, getRoleByName, grant } from './store/roles.ts';
import { createUser, getPasswordHash, getUserByName, updateUser } from './store/users.ts';

export const DEFAULT_ROLES = ['admin', 'member', 'reader', 'service'] as const;

async function ensureRole(q: Queryable, name: string): Promise<Role> {
  return (
    (await getRoleByName(q, name)) ?? createRole(q, { name, domainId: null, description: '', options: {} })
  );
}

async function ensureProject(q: Queryable, name: string) {
  return (
    (await getProjectByName(q, DEFAULT_DOMAIN_ID, name)) ??
    createProject(q, {
      domainId: DEFAULT_DOMAIN_ID,
      name,
      description: `Bootstrap project ${name}`,
      enabled: true,
      parentId: null,
      tags: [],
      options: {},
    })
  );
}

export async function bootstrap(core: IdentityCore, opts: BootstrapOptions & { identityUrl?: string }) {
  const username = opts.adminUsername ?? 'admin';
  const projectName = opts.projectName ?? 'admin';
  // Hash outside the transaction: the KDF is slow and must not hold the database.
  const existing = await getUserByName(core.db, DEFAULT_DOMAIN_ID, username);
  const oldHash = existing && (await getPasswordHash(core.db, existing.id));
  const keep = oldHash ? await verifySecret(opts.adminPassword, oldHash) : false;
  const newHash = keep ? undefined : await hashSecret(opts.adminPassword, core.settings.hashCost);

  await core.write(async (q, revoke) => {
    if (!(await getDomain(q, DEFAULT_DOMAIN_ID))) {
      await createDomain(q, {
        id: DEFAULT_DOMAIN_ID,
        name: 'Default',
        description: 'The default domain',
        enabled: true,
        tags: [],
        options: {},
      });
    }
    const roles = new Map<string, Role>();
    for (const name of DEFAULT_ROLES) roles.set(name, await ensureRole(q, name));
    await addImplication(q, roles.get('admin')!.id, roles.get('member')!.id);
    await addImplication(q, roles.get('member')!.id, roles.get('reader')!.id);
    const project = await ensureProject(q, projectName);
    await ensureProject(q, 'service');
    let user = await getUserByName(q, DEFAULT_DOMAIN_ID, username);
    if (!user) {
      user = await createUser(
        q,
        {
          domainId: DEFAULT_DOMAIN_ID,
          name: username,
          enabled: true,
          defaultProjectId: project.id,
          email: null,
          description: 'Bootstrap administrator',
          options: {},
          passwordHash: newHash ?? null,
        },
        core.now(),
      );
    } else if (newHash || !user.enabled) {
      await updateUser(q, user.id, { passwordHash: newHash, enabled: true }, core.now());
      if (newHash) await revoke({ userId: user.id, issuedBefore: core.now() });
    }
    const admin = roles.get('admin')!.id;
    await grant(q, {
      actorType: 'user',
      actorId: user.id,
      targetType: 'project',
      targetId: project.id,
      roleId: admin,
    });
    await grant(q, {
      actorType: 'user',
      actorId: user.id,
      targetType: 'system',
      targetId: 'all',
      roleId: admin,
    });
  });
  if (opts.identityUrl) {
    await registerEndpoints(core, [
      { type: 'identity', name: 'keystone', url: opts.identityUrl, region: opts.region },
    ]);
  }
}

/** Each service's own user, with the service role on the service project; passwords reset when they differ. */
export async function ensureServiceUsers(core: IdentityCore, users: readonly ServiceUser[]): Promise<void> {
  // Hash outside the transaction, as above.
  const hashes = new Map<string, string | undefined>();
  for (const u of users) {
    const existing = await getUserByName(core.db, DEFAULT_DOMAIN_ID, u.name);
    const oldHash = existing && (await getPasswordHash(core.db, existing.id));
    const keep = oldHash ? await verifySecret(u.password, oldHash) : false;
    hashes.set(u.name, keep ? undefined : await hashSecret(u.password, core.settings.hashCost));
  }
  await core.write(async (q, revoke) => {
    const role = await ensureRole(q, 'service');
    const project = await ensureProject(q, 'service');
    for (const u of users) {
      const newHash = hashes.get(u.name);
      let user = await getUserByName(q, DEFAULT_DOMAIN_ID, u.name);
      if (!user) {
        user = await createUser(
          q,
          {
            domainId: DEFAULT_DOMAIN_ID,
            name: u.name,
            enabled: true,
            defaultProjectId: project.id,
            email: null,
            description: 'Service user',
            options: {},
            passwordHash: newHash ?? null,
          },
          core.now(),
        );
      } else if (newHash || !user.enabled) {
        await updateUser(q, user.id, { passwordHash: newHash, enabled: true }, core.now());
        if (newHash) await revoke({ userId: user.id, issuedBefore: core.now() });
      }
      await grant(q, {
        actorType: 'user',
        actorId: user.id,
        targetType: 'project',
        targetId: project.id,
        roleId: role.id,
      });
    }
  });
}
