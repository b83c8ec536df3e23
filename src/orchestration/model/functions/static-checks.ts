// What a template can be checked for without resolving it: the resources a snippet refers to, and whether
// every function it uses is allowed by its version.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json } from '../template-format.ts';
import type { TemplateVersion } from '../versions.ts';
import { YAQL_ABSENT } from './call.ts';
import { checkNotForeignFunction, functionName } from './names.ts';

/** Names of resources a snippet refers to (get_resource, get_attr, Ref to a non-parameter, Fn::GetAtt). */
export function referencedResources(
  value: Json,
  version: TemplateVersion,
  isParam: (n: string) => boolean,
): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isMap(v)) return;
    const fn = functionName(v, version);
    if (fn) {
      const a = v[fn] as Json;
      if (fn === 'get_resource' && typeof a === 'string') out.add(a);
      if (fn === 'Ref' && typeof a === 'string' && !isParam(a) && !a.startsWith('AWS::')) out.add(a);
      if ((fn === 'get_attr' || fn === 'Fn::GetAtt') && Array.isArray(a) && typeof a[0] === 'string')
        out.add(a[0]);
    }
    for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return out;
}

/** Checks every function use in a snippet is allowed by the version, naming the path of the first that is not. */
export function checkFunctions(value: Json, version: TemplateVersion, path: Path, inCondition = false): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkFunctions(v, version, [...path, i], inCondition);
    return;
  }
  if (!isMap(value)) return;
  const fn =
    functionName(value, version, inCondition) ?? (inCondition ? functionName(value, version) : undefined);
  if (!fn) checkNotForeignFunction(value, version, path, inCondition);
  if (fn === 'yaql') throw new TemplateError(YAQL_ABSENT, { path: [...path, fn] });
  for (const [k, v] of Object.entries(value)) {
    // The first argument of `if` is a condition.
    if (fn === 'if' && Array.isArray(v)) {
      for (const [i, x] of v.entries())
        checkFunctions(x, version, [...path, k, i], i === 0 ? true : inCondition);
    } else {
      checkFunctions(v, version, [...path, k], inCondition);
    }
  }
}
