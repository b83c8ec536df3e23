// Template and environment text → a plain object, read as Heat's template_format does: JSON first, else
// YAML through the platform's PyYAML reading with timestamps kept as text (Heat's loader subclasses
// SafeLoader for that), so `heat_template_version: 2018-08-31` is a string while `yes` and `on` are
// booleans. Errors name the line.
import { loadYaml, YamlError } from '../../platform/yaml.ts';
import { TemplateError } from './errors.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonMap = { [k: string]: Json };

export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseYaml(text: string, what: string): unknown {
  try {
    return loadYaml(text, { timestamps: 'text' }) ?? {};
  } catch (e) {
    if (!(e instanceof YamlError)) throw e;
    const { line, reason } = e.where;
    const at = line === undefined ? '' : ` at line ${line}`;
    throw new TemplateError(`Error parsing ${what}${at}: ${reason ?? e.message}`, {
      type: 'InvalidTemplate',
    });
  }
}

/** Parses template or environment text; `what` names it in errors ("template", "environment file x"). */
export function parseTemplateText(text: string, what = 'template'): JsonMap {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = parseYaml(text, what);
  }
  if (!isMap(value))
    throw new TemplateError(`The ${what} is not a JSON object or YAML mapping.`, { type: 'InvalidTemplate' });
  return value;
}
