// Resolves a snippet against a stack, and evaluates condition expressions. A map with exactly one key that
// is a function of the template's version is a call; a function of another version is an error that
// names the path and the version that allows it. yaql is refused: this engine has no YAQL interpreter.
import { type Path, TemplateError } from '../errors.ts';
import { isMap, type Json, type JsonMap } from '../template-format.ts';
import { argList, type Call, fail, type Out, REMOVED, type ResolveEnv, YAQL_ABSENT } from './call.ts';
import { containsValue } from './collections.ts';
import { checkNotForeignFunction, functionName } from './names.ts';
import { getParam } from './references.ts';
import { FUNCTIONS } from './table.ts';

export function resolveValue(value: Json, env: ResolveEnv, path: Path = []): Json {
  const out = resolveInner(value, env, path);
  return out === REMOVED ? null : out;
}

function resolveInner(value: Json, env: ResolveEnv, path: Path): Out {
  if (Array.isArray(value)) {
    const out: Json[] = [];
    value.forEach((item, i) => {
      const r = resolveInner(item, env, [...path, i]);
      if (r !== REMOVED) out.push(r);
    });
    return out;
  }
  if (!isMap(value)) return value;
  const name = functionName(value, env.version);
  if (name) {
    const fn = FUNCTIONS[name];
    if (!fn) throw new TemplateError(`The function "${name}" is not implemented.`, { path });
    return fn({
      args: value[name] as Json,
      env,
      path: [...path, name],
      resolve: (v, p) => resolveValue(v, env, p),
      resolveItem: (v, p) => resolveInner(v, env, p),
      condition: (e, p) => evaluateCondition(e, env, p),
    });
  }
  checkNotForeignFunction(value, env.version, path, false);
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveInner(v, env, [...path, k]);
    if (r !== REMOVED) out[k] = r;
  }
  return out;
}

/** A condition expression (conditions section, `if`, resource `condition`) → boolean. */
export function evaluateCondition(expr: Json, env: ResolveEnv, path: Path): boolean {
  if (typeof expr === 'boolean') return expr;
  if (typeof expr === 'string') {
    if (expr === 'true' || expr === 'false') return expr === 'true';
    return env.condition(expr, path);
  }
  if (!isMap(expr)) throw new TemplateError(`Invalid condition ${JSON.stringify(expr)}.`, { path });
  const name = functionName(expr, env.version, true);
  if (!name) {
    checkNotForeignFunction(expr, env.version, path, true);
    throw new TemplateError(`Invalid condition function ${JSON.stringify(Object.keys(expr))}.`, { path });
  }
  const c: Call = {
    args: expr[name] as Json,
    env,
    path: [...path, name],
    resolve: (v, p) => resolveCondArg(v, env, p),
    resolveItem: (v, p) => resolveCondArg(v, env, p),
    condition: (e, p) => evaluateCondition(e, env, p),
  };
  switch (name) {
    case 'equals': {
      const [a, b] = argList(c, 'equals', 2);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'not': {
      const a = Array.isArray(c.args)
        ? c.args.length === 1
          ? c.args[0]
          : fail(c, '"not" takes one condition.')
        : c.args;
      return !evaluateCondition(a as Json, env, c.path);
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(c.args) || c.args.length < 2)
        fail(c, `"${name}" takes a list of at least two conditions.`);
      const vals = (c.args as Json[]).map((x, i) => evaluateCondition(x, env, [...c.path, i]));
      return name === 'and' ? vals.every(Boolean) : vals.some(Boolean);
    }
    case 'get_param':
      return Boolean(getParam(c));
    case 'contains': {
      const [v, seq] = argList(c, 'contains', 2);
      return containsValue(c, v as Json, seq as Json);
    }
    case 'yaql':
      return fail(c, YAQL_ABSENT) as never;
  }
  return fail(c, `Unknown condition function ${name}.`) as never;
}

function resolveCondArg(v: Json, env: ResolveEnv, path: Path): Json {
  if (Array.isArray(v)) return v.map((x, i) => resolveCondArg(x, env, [...path, i]));
  if (isMap(v)) {
    const name = functionName(v, env.version, true);
    if (name === 'get_param') return resolveValue(v, env, path);
    if (name) return evaluateCondition(v, env, path);
    const fn = functionName(v, env.version);
    if (fn) return resolveValue(v, env, path);
  }
  return v;
}
