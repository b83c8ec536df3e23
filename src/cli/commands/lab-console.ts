// `ooo lab console NODE [--no-follow]`: the machine's serial log (firmware, iPXE, the OS), followed like
// `tail -f` until interrupted.
import { createReadStream, existsSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labDir, readLab } from '../../lab/state.ts';
import { type CliIo, UsageError } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labStateDir } from './lab-common.ts';

export async function labConsoleCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, 'no-follow': { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('name one node: ooo lab console NODE');
  const lab = readLab(labDir(labStateDir(values, io)));
  if (!lab) throw new Error('no lab (ooo lab up makes one)');
  const node = lab.nodes.find((n) => n.name === positionals[0]);
  if (!node)
    throw new Error(`no node ${positionals[0]} in the lab (${lab.nodes.map((n) => n.name).join(', ')})`);
  const file = join(node.dir, 'console.log');
  let offset = 0;
  const copy = async () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    for await (const chunk of createReadStream(file, { start: offset, end: size - 1 }))
      io.stdout.write(chunk);
    offset = size;
  };
  // Listening for Ctrl-C before the first output: whoever reads it may interrupt at once.
  const stop = values['no-follow'] ? undefined : (signal ?? abortOnInterrupt());
  await copy();
  if (!stop) return 0;
  let pending = Promise.resolve();
  watchFile(file, { interval: 200 }, () => {
    pending = pending.then(copy);
  });
  // Ctrl-C may have come already (while the first output was copied).
  await new Promise<void>((resolve) =>
    stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true }),
  );
  unwatchFile(file);
  await pending;
  return 0;
}

function abortOnInterrupt(): AbortSignal {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  return ac.signal;
}
