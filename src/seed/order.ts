// Orders service definitions so that each starts after the services it needs.
import type { ServiceDefinition } from '../platform/service.ts';

export function startOrder(
  defs: readonly ServiceDefinition[],
  wanted: readonly string[],
): ServiceDefinition[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const out: ServiceDefinition[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, from: string | undefined) => {
    if (out.some((d) => d.name === name)) return;
    const def = byName.get(name);
    if (!def)
      throw new Error(from ? `service ${from} needs unknown service ${name}` : `unknown service: ${name}`);
    if (visiting.has(name)) throw new Error(`services depend on each other in a cycle through ${name}`);
    visiting.add(name);
    for (const need of def.needs ?? []) visit(need, name);
    visiting.delete(name);
    out.push(def);
  };
  for (const name of wanted.length > 0 ? wanted : defs.map((d) => d.name)) visit(name, undefined);
  return out;
}
