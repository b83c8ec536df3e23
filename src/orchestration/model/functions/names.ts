// Which single-key maps are calls in a template version, and the error for a function of another version.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json, type JsonMap } from '../template-format.ts';
import { ALL_FUNCTIONS, firstHotVersionWith, type TemplateVersion } from '../versions.ts';

/** Which single-key map is a call in this version (outside conditions). */
export function functionName(v: Json, version: TemplateVersion, inCondition = false): string | undefined {
  if (!isMap(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0] as string;
  if (inCondition ? version.conditionFunctions.has(k) : version.functions.has(k)) return k;
  return undefined;
}

/** A single-key map naming a function this version does not have is an error, not data. */
export function checkNotForeignFunction(
  value: JsonMap,
  version: TemplateVersion,
  path: Path,
  inCondition: boolean,
) {
  const keys = Object.keys(value);
  if (keys.length !== 1) return;
  const k = keys[0] as string;
  if (!ALL_FUNCTIONS.has(k)) return;
  if (inCondition ? version.conditionFunctions.has(k) : version.functions.has(k)) return;
  if (!inCondition && version.conditionFunctions.has(k) && !version.functions.has(k)) {
    throw new TemplateError(`The function "${k}" is only allowed in conditions.`, { path });
  }
  const first = firstHotVersionWith(k);
  const hint =
    version.kind === 'cfn'
      ? ' CFN templates allow only Ref and the Fn:: functions.'
      : first && first > version.date
        ? ` It needs heat_template_version ${first} or later.`
        : ' It was removed from this version.';
  throw new TemplateError(`The function "${k}" is not supported in ${version.key} ${version.date}.${hint}`, {
    path,
    type: 'InvalidTemplateVersion',
  });
}
