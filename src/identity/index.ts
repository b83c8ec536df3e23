// The identity service as a plugin: Keystone v3 on port 5000, the token validator every service uses,
// and the catalog each service registers in.
import type { ServiceDefinition } from '../platform/service.ts';
import { renderKeystoneError } from './api/render.ts';
import { registerIdentityRoutes } from './api/routes.ts';
import { IdentityCore } from './core.ts';
import { HttpIdentityClient } from './http-client.ts';
import { LocalIdentityClient } from './local-client.ts';
import { parseSettings } from './model/settings.ts';
import { parseTokenCacheSettings } from './model/token-cache.ts';
import { keyDir, rotateKeys } from './store/key-repository.ts';
import { identityMigrations } from './store/migrations.ts';

export type { IdentityClient } from './client.ts';
export { HttpIdentityClient, LocalIdentityClient };

export const identityService: ServiceDefinition<'identity', never> = {
  name: 'identity',
  defaultPort: 5000,
  catalog: [{ type: 'identity', name: 'keystone', path: '/v3' }],
  migrations: identityMigrations,
  async create(deps) {
    const settings = parseSettings(deps.settings);
    const core = await IdentityCore.open(deps.db, keyDir(deps.stateDir), settings);
    return {
      register: (app) => registerIdentityRoutes(app, core),
      render: renderKeystoneError,
      client: new LocalIdentityClient(core, () => deps.urls.get('identity')),
    };
  },
  remote: (target, caller) =>
    new HttpIdentityClient(target.url, caller, parseTokenCacheSettings(target.settings.tokenCache)),
};

/** `ooo keys rotate`: promotes the staged token key under STATE_DIR/fernet-keys and stages a new one.
 * Running seeds pick the new keys up by themselves. Returns the new primary key's number. */
export function rotateTokenKeys(stateDir: string, maxActiveKeys?: number): number {
  return rotateKeys(keyDir(stateDir), maxActiveKeys);
}
