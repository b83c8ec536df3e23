// The builder runs host commands through the platform's runner; its failures become BuildErrors (an
// interrupted build exits 130, as the shell original does on SIGINT).
import { ProcError, type RunOptions, type RunResult, run as runCommand } from '../platform/proc/run.ts';
import type { Ctx } from './ctx.ts';
import { BuildError } from './errors.ts';

export type { RunOptions, RunResult };

export async function run(ctx: Ctx, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  try {
    return await runCommand(ctx, cmd, args, opts);
  } catch (e) {
    if (e instanceof ProcError) throw new BuildError(e.message, {}, e.kind === 'interrupted' ? 130 : 1);
    throw e;
  }
}
