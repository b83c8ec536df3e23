// Functions that read the stack: parameters, resources and their attributes, files, mappings, the facade.
import type { Json } from '../template-format.ts';
import { argList, type Call, type Fn, fail, str, walkPath } from './call.ts';

export function getParam(c: Call): Json {
  const a = c.resolve(c.args, c.path);
  const parts = Array.isArray(a) ? a : [a];
  const name = parts[0];
  if (typeof name !== 'string') return fail(c, 'get_param needs a parameter name.');
  if (!c.env.isParam(name)) fail(c, `The Parameter (${name}) was not provided.`);
  return walkPath(c.env.param(name, c.path), parts.slice(1), c);
}

function resourceName(c: Call, v: Json, fn: string): string {
  if (typeof v !== 'string') return fail(c, `${fn} needs a resource name.`);
  if (!c.env.isResource(v)) fail(c, `The specified reference "${v}" (in ${fn}) is incorrect.`);
  return v;
}

function getAttr(c: Call, fn: string): Json {
  const a = c.resolve(c.args, c.path);
  if (!Array.isArray(a) || a.length < 1)
    return fail(c, `Arguments to "${fn}" must be a list [resource, attribute, ...].`);
  const res = resourceName(c, a[0] as Json, fn);
  if (a.length === 1) {
    if (!c.env.version.features.getAttrAll) fail(c, `Arguments to "${fn}" must name an attribute.`);
    return c.env.attr(res, undefined, c.path);
  }
  let attr = a[1];
  if (typeof attr !== 'string') return fail(c, `The attribute name of "${fn}" must be a string.`);
  let rest = a.slice(2);
  // [nested, resource.<name>, attr]: the attribute of a resource inside the nested stack.
  if (/^resource\.[^.]+$/.test(attr) && rest.length > 0) {
    attr = `${attr}.${String(rest[0])}`;
    rest = rest.slice(1);
  }
  return walkPath(c.env.attr(res, attr, c.path), rest, c);
}

export const REFERENCE_FUNCTIONS: Record<string, Fn> = {
  get_param: getParam,
  get_resource: (c) => c.env.ref(resourceName(c, c.resolve(c.args, c.path), 'get_resource'), c.path),
  Ref: (c) => {
    const n = c.resolve(c.args, c.path);
    if (typeof n === 'string' && c.env.isParam(n)) return c.env.param(n, c.path);
    return c.env.ref(resourceName(c, n, 'Ref'), c.path);
  },
  get_attr: (c) => getAttr(c, 'get_attr'),
  'Fn::GetAtt': (c) => {
    const a = argList(c, 'Fn::GetAtt', 2);
    const res = resourceName(c, a[0] as Json, 'Fn::GetAtt');
    return c.env.attr(res, str(a[1] as Json), c.path);
  },
  get_file: (c) => {
    const url = c.resolve(c.args, c.path);
    if (typeof url !== 'string') return fail(c, 'get_file needs a file URL.');
    return c.env.file(url, c.path);
  },
  'Fn::FindInMap': (c) => {
    const [m, k, s] = argList(c, 'Fn::FindInMap', 3);
    return c.env.mapping(str(m as Json), str(k as Json), str(s as Json), c.path);
  },
  'Fn::GetAZs': () => ['nova'],
  resource_facade: (c) => c.env.facade(str(c.resolve(c.args, c.path)), c.path),
  'Fn::ResourceFacade': (c) => c.env.facade(str(c.resolve(c.args, c.path)).toLowerCase(), c.path),
};
