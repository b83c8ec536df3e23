// `ooo seed bootstrap`: like keystone-manage bootstrap, on the state directory, without serving anything.
// Registers every service of this build in the catalog at its configured port.
import { parseArgs } from 'node:util';
import { silentLogger } from '../../platform/log/logger.ts';
import { bootstrapSeed } from '../../seed/bootstrap.ts';
import { startOrder } from '../../seed/order.ts';
import { serviceCredentialsPath } from '../../seed/service-credentials.ts';
import { ALL_SERVICES } from '../../seed/services.ts';
import { buildServices, catalogEntries, servicePort, serviceUrl } from '../../seed/start.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS, loadConfig } from '../load-config.ts';

export async function seedBootstrap(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, 'admin-password': { type: 'string' } },
    strict: true,
  });
  const config = loadConfig(values, io.env);
  const wanted = startOrder(ALL_SERVICES, config.services);
  const b = await buildServices({ ...config, services: ['identity'], serviceUrls: {} }, silentLogger());
  try {
    const identity = b.clients.local('identity')?.admin;
    if (!identity) throw new Error('this build has no identity service');
    const at = wanted.map((definition) => ({
      definition,
      url: config.serviceUrls[definition.name] ?? serviceUrl(config, servicePort(config, definition)),
    }));
    await identity.registerEndpoints(b.ctx, catalogEntries(config, at));
    const identityUrl = at.find((s) => s.definition.name === 'identity')?.url ?? serviceUrl(config, 5000);
    const password = values['admin-password'] ?? io.env.OOO_ADMIN_PASSWORD;
    const creds = await bootstrapSeed(b.ctx, config, identity, identityUrl, password);
    io.stdout.write(
      `bootstrapped ${config.stateDir}: user ${creds.username}, project ${creds.projectName}\n`,
    );
    io.stdout.write(`service users: credentials in ${serviceCredentialsPath(config)}\n`);
    for (const s of at) io.stdout.write(`catalog: ${s.definition.name.padEnd(14)} ${s.url}\n`);
    return 0;
  } finally {
    await b.close();
  }
}
