// Orders service definitions so that each starts after the services it needs. A need that runs in another
// process (configured in serviceUrls) is not started here. Every service needs the token authority.
import { type ServiceDefinition, TOKEN_AUTHORITY } from '../platform/service.ts';

/** What a service needs: what it declares, and the token authority (unless it is the authority). */
export function needsOf(def: ServiceDefinition): string[] {
  const needs: string[] = [...(def.needs ?? [])];
  if (def.name !== TOKEN_AUTHORITY && !needs.includes(TOKEN_AUTHORITY)) needs.unshift(TOKEN_AUTHORITY);
  return needs;
}

export function startOrder(
  defs: readonly ServiceDefinition[],
  wanted: readonly string[],
  elsewhere: ReadonlySet<string> = new Set(),
): ServiceDefinition[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const out: ServiceDefinition[] = [];
  const visiting = new Set<string>();
  const explicit = new Set(wanted);
  const visit = (name: string, from: string | undefined) => {
    if (out.some((d) => d.name === name)) return;
    // A service asked for by name runs here even when another process also serves it.
    if (from !== undefined && elsewhere.has(name) && !explicit.has(name)) return;
    const def = byName.get(name);
    if (!def)
      throw new Error(from ? `service ${from} needs unknown service ${name}` : `unknown service: ${name}`);
    if (visiting.has(name)) throw new Error(`services depend on each other in a cycle through ${name}`);
    visiting.add(name);
    for (const need of needsOf(def)) visit(need, name);
    visiting.delete(name);
    out.push(def);
  };
  for (const name of wanted.length > 0 ? wanted : defs.map((d) => d.name)) visit(name, undefined);
  return out;
}
