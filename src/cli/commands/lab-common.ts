// What the `ooo lab` commands share: the state directory from the usual configuration layers, and a context
// whose log goes to stderr (warnings only, unless OOO_LOG_LEVEL says otherwise).
import type { Ctx } from '../../platform/context.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { CliIo } from '../io.ts';
import { type CommonFlags, loadConfig } from '../load-config.ts';

export function labContext(io: CliIo, signal: AbortSignal = new AbortController().signal): Ctx {
  return { log: createLogger({ level: io.env.OOO_LOG_LEVEL ?? 'warn', destination: io.stderr }), signal };
}

export function labStateDir(values: CommonFlags, io: CliIo): string {
  return loadConfig(values, io.env).stateDir;
}
