// Functions that choose by a condition outside the conditions section (`if`, `equals`), and yaql's refusal.
import { isMap, type Json } from '../template-format.ts';
import { type Call, type Fn, fail, REMOVED, YAQL_ABSENT } from './call.ts';

function condValue(c: Call, v: Json): boolean {
  // A condition is a condition name, a boolean, or a condition function call.
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return c.env.condition(v, c.path);
  if (isMap(v)) return c.condition(v, c.path);
  return fail(c, `Invalid condition ${JSON.stringify(v)}.`);
}

export const CONDITIONAL_FUNCTIONS: Record<string, Fn> = {
  if: (c) => {
    const a = c.args;
    const two = c.env.version.features.ifTwoArgs;
    if (!Array.isArray(a) || a.length < (two ? 2 : 3) || a.length > 3) {
      return fail(
        c,
        `Arguments to "if" must be [condition, value_if_true${two ? '' : ', value_if_false'}${two ? '[, value_if_false]' : ''}].`,
      );
    }
    const cond = condValue(c, a[0] as Json);
    if (cond) return c.resolveItem(a[1] as Json, [...c.path, 1]);
    if (a.length === 2) return REMOVED;
    return c.resolveItem(a[2] as Json, [...c.path, 2]);
  },
  equals: (c) => c.condition({ equals: c.args }, c.path.slice(0, -1)),
  yaql: (c) => fail(c, YAQL_ABSENT),
};
