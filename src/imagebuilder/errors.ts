// One error type for the whole builder: it names where the build failed so the message is actionable.
export interface BuildErrorWhere {
  element?: string;
  phase?: string;
  script?: string;
}

export class BuildError extends Error {
  readonly where: BuildErrorWhere;
  readonly exitCode: number;
  constructor(message: string, where: BuildErrorWhere = {}, exitCode = 1) {
    super(message);
    this.name = 'BuildError';
    this.where = where;
    this.exitCode = exitCode;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof BuildError) {
    const w = err.where;
    const parts = [
      w.element && `element ${w.element}`,
      w.phase && `phase ${w.phase}`,
      w.script && `script ${w.script}`,
    ]
      .filter(Boolean)
      .join(', ');
    return parts ? `${err.message} (${parts})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
