// Template and parameter errors carry the path to the bad part ("resources.db.properties.size"), which
// Heat's messages print before the reason. The API maps them to 400 with Heat's error type names.
export class TemplateError extends Error {
  /** Heat's exception class name, shown as error.type (StackValidationFailed, InvalidTemplateVersion…). */
  readonly type: string;
  readonly path: readonly (string | number)[];

  constructor(message: string, opts: { path?: readonly (string | number)[]; type?: string } = {}) {
    const path = opts.path ?? [];
    super(path.length > 0 ? `${formatPath(path)}: ${message}` : message);
    this.name = 'TemplateError';
    this.type = opts.type ?? 'StackValidationFailed';
    this.path = path;
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}

export type Path = readonly (string | number)[];
