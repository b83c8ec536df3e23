// `ooo seed status`: which of the running seed's services answer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { probeServices } from '../../seed/status.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS, loadConfig } from '../load-config.ts';

export async function seedStatus(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS, strict: true });
  const config = loadConfig(values, io.env);
  const runFile = join(config.stateDir, 'seed.json');
  if (!existsSync(runFile)) {
    io.stdout.write(`seed: not running (no ${runFile})\n`);
    return 3;
  }
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number; services: Record<string, string> };
  const probes = await probeServices(run.services);
  for (const p of probes) {
    io.stdout.write(
      `${p.name.padEnd(14)} ${p.url.padEnd(28)} ${p.up ? `up (${p.status})` : `DOWN: ${p.error}`}\n`,
    );
  }
  const down = probes.filter((p) => !p.up).length;
  io.stdout.write(
    down === 0 ? `seed: all ${probes.length} services answer (pid ${run.pid})\n` : `seed: ${down} down\n`,
  );
  return down === 0 ? 0 : 1;
}
