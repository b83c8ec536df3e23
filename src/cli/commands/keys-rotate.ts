// `ooo keys rotate`: like keystone-manage fernet_rotate, on the state directory's token key repository.
import { parseArgs } from 'node:util';
import { rotateTokenKeys } from '../../identity/index.ts';
import { parseIntStrict } from '../../platform/config/config.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS, loadConfig } from '../load-config.ts';

export async function keysRotate(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, 'max-active-keys': { type: 'string' } },
    strict: true,
  });
  const config = loadConfig(values, io.env);
  const max = values['max-active-keys'];
  const primary = rotateTokenKeys(
    config.stateDir,
    max === undefined ? undefined : parseIntStrict(max, '--max-active-keys'),
  );
  io.stdout.write(`keys: rotated; key ${primary} is now primary (a running seed picks it up by itself)\n`);
  return 0;
}
