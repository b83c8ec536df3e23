// `ooo lab down`: removes the machines, BMCs, namespace and files, also after kill -9 of any of them.
import { parseArgs } from 'node:util';
import { labDown } from '../../lab/lab.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labContext, labStateDir } from './lab-common.ts';

export async function labDownCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS, strict: true });
  const r = await labDown(labContext(io), labStateDir(values, io));
  io.stdout.write(
    `lab: down (${r.processes} processes ended${r.netns.length ? `, namespace ${r.netns.join(', ')} deleted` : ''})\n`,
  );
  return 0;
}
