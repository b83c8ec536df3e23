// Template and environment text → a plain object. JSON and YAML both parse with yaml@2.9.1 (YAML 1.2 core
// schema: `2018-08-31` stays a string, as heat's loader keeps timestamps). Errors name the line.
import { parseDocument } from 'yaml';
import { TemplateError } from './errors.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonMap = { [k: string]: Json };

export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses template or environment text; `what` names it in errors ("template", "environment file x"). */
export function parseTemplateText(text: string, what = 'template'): JsonMap {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    const where = line === undefined ? '' : ` at line ${line}`;
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.message;
    throw new TemplateError(`Error parsing ${what}${where}: ${reason}`, { type: 'InvalidTemplate' });
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (value === null || value === undefined) return {};
  if (!isMap(value))
    throw new TemplateError(`The ${what} is not a JSON object or YAML mapping.`, { type: 'InvalidTemplate' });
  return value;
}
