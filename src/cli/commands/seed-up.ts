// `ooo seed up`: the all-in-one control plane in the foreground, until SIGINT or SIGTERM.
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LAB_NETWORK_NAME } from '../../lab/seed-link.ts';
import {
  withLabBaremetal,
  withLabCompute,
  withLabDhcp,
  withLabMetadata,
  withLabOrchestration,
} from '../../lab/seed-settings.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { bootstrapSeed, bootstrapServiceUsers } from '../../seed/bootstrap.ts';
import { refreshAuthUrl } from '../../seed/credentials.ts';
import { serviceCredentialsPath } from '../../seed/service-credentials.ts';
import { ALL_SERVICES } from '../../seed/services.ts';
import { type Seed, startSeed } from '../../seed/start.ts';
import { probeServices } from '../../seed/status.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS, loadConfig } from '../load-config.ts';

export async function seedUp(
  argv: string[],
  io: CliIo,
  signals: NodeJS.EventEmitter = process,
  /** Called once every service answers (the main command starts its lab demo here). */
  onReady?: (stateDir: string) => void,
  /** Awaited after the stop signal, while the services still serve (the main command's lab goes down here). */
  beforeStop?: () => Promise<void>,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, 'log-stderr': { type: 'boolean' } },
    strict: true,
  });
  const loaded = loadConfig(values, io.env);
  // The network service's DHCP agent serves the lab of this state directory unless configured otherwise.
  // and the bare metal service network-boots nodes on the lab's provisioning network.
  // The metadata service trusts X-Forwarded-For only on the socket the lab's 169.254.169.254 proxy uses.
  // Servers get their port on the lab's provisioning network unless compute names another.
  // Heat gives machines the CFN API at the lab's bridge address.
  const settings = withLabOrchestration(
    withLabCompute(
      withLabMetadata(
        withLabBaremetal(withLabDhcp(loaded.settings, loaded.stateDir), LAB_NETWORK_NAME, loaded.stateDir),
        loaded.stateDir,
      ),
      LAB_NETWORK_NAME,
    ),
  );
  const config = { ...loaded, settings };
  mkdirSync(join(config.stateDir, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = join(config.stateDir, 'logs', 'seed.log');
  const log = createLogger({
    level: config.logLevel,
    destination: values['log-stderr'] ? io.stderr : createWriteStream(logFile, { flags: 'a' }),
  });
  const isNew = !existsSync(join(config.stateDir, 'clouds.yaml'));
  io.stdout.write(`seed: state ${config.stateDir}${isNew ? ' (new)' : ''}, logs ${logFile}\n`);

  let seed: Seed;
  try {
    seed = await startSeed(config, log);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { port?: number };
    if (err.code === 'EADDRINUSE') {
      io.stderr.write(`seed: ${err.message}: another program holds that port; try --port-offset N\n`);
      return 1;
    }
    throw e;
  }
  if (seed.identity && seed.identityUrl) {
    if (isNew) {
      await bootstrapSeed(seed.ctx, config, seed.identity, seed.identityUrl, io.env.OOO_ADMIN_PASSWORD);
      io.stdout.write(
        `seed: bootstrapped; credentials in ${join(config.stateDir, 'clouds.yaml')} and seedrc\n`,
      );
    } else {
      await bootstrapServiceUsers(seed.ctx, config, seed.identity, ALL_SERVICES, 'new');
      if (refreshAuthUrl(config.stateDir, `${seed.identityUrl}/v3`, config.region))
        io.stdout.write(`seed: identity moved to ${seed.identityUrl}; clouds.yaml and seedrc now name it\n`);
    }
    io.stdout.write(`seed: service users' credentials in ${serviceCredentialsPath(config)}\n`);
  } else if (seed.identityUrl) {
    io.stdout.write(`seed: identity at ${seed.identityUrl} (another process)\n`);
  }
  for (const s of seed.services) {
    const paths = s.definition.catalog.map((c) => c.path).filter((p) => p !== '');
    io.stdout.write(`${s.name.padEnd(14)} ${s.url}${paths.length === 1 ? paths[0] : ''}\n`);
  }
  const urls = Object.fromEntries(seed.services.map((s) => [s.name, s.url]));
  const runFile = join(config.stateDir, 'seed.json');
  writeFileSync(runFile, JSON.stringify({ pid: process.pid, services: urls }, null, 2));
  const probes = await probeServices(urls);
  const down = probes.filter((p) => !p.up);
  if (down.length > 0) {
    io.stderr.write(`seed: not answering: ${down.map((p) => p.name).join(', ')}\n`);
    await seed.stop();
    return 1;
  }
  io.stdout.write('ready\n');
  onReady?.(config.stateDir);

  await new Promise<void>((resolve) => {
    // Signal listeners alone do not keep Node's event loop alive; this timer does, until a signal comes.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const onSignal = (sig: string) => {
      clearInterval(keepAlive);
      io.stdout.write(`seed: ${sig}, stopping\n`);
      resolve();
    };
    signals.once('SIGINT', onSignal);
    signals.once('SIGTERM', onSignal);
  });
  await beforeStop?.();
  await seed.stop();
  rmSync(runFile, { force: true });
  io.stdout.write('seed: stopped\n');
  return 0;
}
