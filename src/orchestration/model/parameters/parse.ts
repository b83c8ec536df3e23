// A template's parameters section → schemas, in the spelling of the template's version.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json } from '../template-format.ts';
import type { TemplateVersion } from '../versions.ts';
import { cfnSchema } from './cfn-schema.ts';
import { hotSchema } from './hot-schema.ts';
import type { ParamSchema } from './schema.ts';

export function parseParamSchemas(
  raw: Json | undefined,
  version: TemplateVersion,
  path: Path,
): ParamSchema[] {
  if (raw === undefined || raw === null) return [];
  if (!isMap(raw)) throw new TemplateError('The parameters section must be a map.', { path });
  return Object.entries(raw).map(([name, def]) =>
    version.kind === 'hot'
      ? hotSchema(name, def, version, [...path, name])
      : cfnSchema(name, def, [...path, name]),
  );
}
