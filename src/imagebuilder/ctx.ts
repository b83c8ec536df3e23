// The context every async operation takes: where to report, and when to stop.
export interface Ctx {
  log: (line: string) => void;
  signal: AbortSignal;
}

export function consoleCtx(signal: AbortSignal, quiet = false): Ctx {
  return { log: quiet ? () => {} : (line) => process.stderr.write(`${line}\n`), signal };
}
