// `ooo`: the operator's command line. Finds the command, runs it, turns errors into messages and exit codes.
import { COMMANDS, type Command } from './commands.ts';
import { type CliIo, UsageError } from './io.ts';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  return [
    'usage: ooo <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ooo ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.path.every((p, i) => argv[i] === p));
  const best = matches.sort((a, b) => b.path.length - a.path.length)[0];
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`ooo: unknown command: ${argv.join(' ')}\n\n${usage()}`);
    return 2;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`ooo ${found.command.path.join(' ')}: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`ooo ${found.command.path.join(' ')}: ${err.message}\n`);
    if (io.env.OOO_DEBUG) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
