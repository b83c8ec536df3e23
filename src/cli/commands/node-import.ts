// `ooo node import FILE [--provide] [--wait-timeout S]`: enrols the nodes of a devtest nodes file or an Ironic
// bulk file (JSON, or YAML when named *.yaml/*.yml) through the bare metal API, once (a second run changes
// nothing and says so).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { baremetalFromEnv } from '../../baremetal/import/credentials.ts';
import { importNodes } from '../../baremetal/import/node-import.ts';
import { NodesFileError, parseNodesFile } from '../../baremetal/model/nodes-file.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labContext, labStateDir } from './lab-common.ts';

const USAGE = 'usage: ooo node import FILE [--provide] [--wait-timeout SECONDS] [--state-dir D]\n';

export async function nodeImportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, provide: { type: 'boolean' }, 'wait-timeout': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  const wait = Number(values['wait-timeout'] ?? 1800);
  if (!file || positionals.length > 1 || !(wait > 0)) {
    io.stderr.write(USAGE);
    return 2;
  }
  let specs: ReturnType<typeof parseNodesFile>;
  try {
    specs = parseNodesFile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    const why = e instanceof NodesFileError ? e.message : (e as Error).message;
    io.stderr.write(`ooo node import: ${file}: ${why}\n`);
    return 1;
  }
  const ctx = labContext(io);
  try {
    const api = await baremetalFromEnv(ctx, io.env, labStateDir(values, io));
    const say = (line: string) => io.stdout.write(`${line}\n`);
    const s = await importNodes(ctx, api, specs, {
      provide: values.provide === true,
      waitTimeoutS: wait,
      say,
    });
    if (s.created.length === 0 && s.portsAdded === 0 && s.failed.length === 0)
      say(`nothing changed: all ${specs.length} node(s) were already enrolled`);
    else
      say(
        `${specs.length} node(s): ${s.created.length} created, ${s.unchanged.length} unchanged, ${s.failed.length} failed`,
      );
    if (values.provide) say(`${s.provided.length} node(s) moved to available`);
    return s.failed.length > 0 ? 1 : 0;
  } catch (e) {
    io.stderr.write(`ooo node import: ${(e as Error).message}\n`);
    return 1;
  }
}
