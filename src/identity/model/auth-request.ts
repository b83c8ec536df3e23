// Parses the body of POST /v3/auth/tokens into what was asked: who (password, token or application
// credential) and for which scope. Pure; every malformed shape is a 400 with a message naming the field.
import { badRequest } from '../../platform/errors/catalogue.ts';

export interface NamedRef {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

export type Identity =
  | { method: 'password'; user: NamedRef; password: string }
  | { method: 'token'; tokenId: string }
  | { method: 'application_credential'; id?: string; name?: string; user?: NamedRef; secret: string };

export type ScopeRequest =
  | { kind: 'unscoped' }
  | { kind: 'project'; project: NamedRef }
  | { kind: 'domain'; domain: { id?: string; name?: string } }
  | { kind: 'system' };

export interface AuthRequest {
  identity: Identity;
  scope: ScopeRequest;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw badRequest(`Invalid input for field '${where}': expected an object.`);
  return v;
}

function optString(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) {
    throw badRequest(`Invalid input for field '${where}.${key}': expected a non-empty string.`);
  }
  return v;
}

function domainRef(v: unknown, where: string): { id?: string; name?: string } {
  const o = obj(v, where);
  const id = optString(o, 'id', where);
  const name = optString(o, 'name', where);
  if (!id && !name) throw badRequest(`Invalid input for field '${where}': an id or a name is required.`);
  return { ...(id ? { id } : {}), ...(name ? { name } : {}) };
}

/** A user or project reference: an id, or a name with its domain. */
function namedRef(v: unknown, where: string): NamedRef {
  const o = obj(v, where);
  const id = optString(o, 'id', where);
  const name = optString(o, 'name', where);
  if (id) return { id };
  if (!name) throw badRequest(`Invalid input for field '${where}': an id or a name is required.`);
  if (o.domain === undefined) {
    throw badRequest(`Invalid input for field '${where}': a name needs its domain (id or name).`);
  }
  return { name, domain: domainRef(o.domain, `${where}.domain`) };
}

function secretString(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string')
    throw badRequest(`Invalid input for field '${where}.${key}': expected a string.`);
  return v;
}

function parseIdentity(v: unknown): Identity {
  const identity = obj(v, 'auth.identity');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw badRequest("Invalid input for field 'auth.identity.methods': expected a list of method names.");
  }
  // Multi-factor combinations are not offered: one method per request.
  const method = methods[0] as string;
  if (methods.length > 1) throw badRequest('Only one authentication method per request is supported.');
  switch (method) {
    case 'password': {
      const p = obj(identity.password, 'auth.identity.password');
      const user = obj(p.user, 'auth.identity.password.user');
      return {
        method,
        user: namedRef(user, 'auth.identity.password.user'),
        password: secretString(user, 'password', 'auth.identity.password.user'),
      };
    }
    case 'token': {
      const t = obj(identity.token, 'auth.identity.token');
      const id = t.id;
      if (typeof id !== 'string' || id.length === 0 || id.length > 4096) {
        throw badRequest("Invalid input for field 'auth.identity.token.id': expected a token.");
      }
      return { method, tokenId: id };
    }
    case 'application_credential': {
      const where = 'auth.identity.application_credential';
      const a = obj(identity.application_credential, where);
      const id = optString(a, 'id', where);
      const name = optString(a, 'name', where);
      const secret = secretString(a, 'secret', where);
      if (id) return { method, id, secret };
      if (!name) throw badRequest(`Invalid input for field '${where}': an id or a name is required.`);
      if (a.user === undefined)
        throw badRequest(`Invalid input for field '${where}': a name needs its user.`);
      return { method, name, user: namedRef(a.user, `${where}.user`), secret };
    }
    default:
      throw badRequest(`Unsupported authentication method: ${method.slice(0, 64)}.`);
  }
}

function parseScope(v: unknown): ScopeRequest {
  if (v === undefined || v === null || v === 'unscoped') return { kind: 'unscoped' };
  const scope = obj(v, 'auth.scope');
  const keys = Object.keys(scope);
  if (keys.length !== 1) {
    throw badRequest("Invalid input for field 'auth.scope': exactly one of project, domain or system.");
  }
  switch (keys[0]) {
    case 'project':
      return { kind: 'project', project: namedRef(scope.project, 'auth.scope.project') };
    case 'domain':
      return { kind: 'domain', domain: domainRef(scope.domain, 'auth.scope.domain') };
    case 'system': {
      const s = obj(scope.system, 'auth.scope.system');
      if (s.all !== true)
        throw badRequest("Invalid input for field 'auth.scope.system': expected {all: true}.");
      return { kind: 'system' };
    }
    default:
      throw badRequest(
        `Invalid input for field 'auth.scope': unknown scope ${String(keys[0]).slice(0, 64)}.`,
      );
  }
}

export function parseAuthRequest(body: unknown): AuthRequest {
  const root = obj(body, 'body');
  const auth = obj(root.auth, 'auth');
  return { identity: parseIdentity(auth.identity), scope: parseScope(auth.scope) };
}
