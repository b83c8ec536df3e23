// The agent's context: who logs and what cancels. Structurally a subset of the platform's Ctx (pino's
// logger has these methods), so the conductor can hand its own Ctx to an in-process `sim` agent, while the
// ramdisk build stays free of pino.
import { uptime } from 'node:os';

export interface AgentLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface AgentCtx {
  readonly log: AgentLog;
  readonly signal: AbortSignal;
}

/** Lines on stderr with the machine's uptime, for the ramdisk's serial console. */
export function consoleLog(prefix = 'deploy-agent'): AgentLog {
  const line = (lvl: string, msg: string) =>
    process.stderr.write(`${prefix} ${lvl} ${uptime().toFixed(1)}s ${msg}\n`);
  return { info: (m) => line('INFO', m), warn: (m) => line('WARN', m), error: (m) => line('ERROR', m) };
}
