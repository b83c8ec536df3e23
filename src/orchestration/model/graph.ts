// The dependency graph: edges from references and depends_on. Cycles are reported with their path;
// `levels` orders creation (each level depends only on earlier ones) and, reversed, deletion.
import { TemplateError } from './errors.ts';

export type Deps = ReadonlyMap<string, ReadonlySet<string>>;

/** Throws with "a -> b -> a" when the graph has a cycle. */
export function checkAcyclic(deps: Deps): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(n)), n];
      throw new TemplateError(`Circular Dependency Found: ${cycle.join(' -> ')}`, {
        type: 'CircularDependencyException',
      });
    }
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of [...(deps.get(n) ?? [])].sort()) if (deps.has(d)) visit(d);
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...deps.keys()].sort()) visit(n);
}

/** The reverse edges: for each node, the nodes that depend on it (Heat's required_by). */
export function requiredBy(deps: Deps): Map<string, string[]> {
  const out = new Map<string, string[]>([...deps.keys()].map((k) => [k, []]));
  for (const [n, ds] of deps) for (const d of ds) out.get(d)?.push(n);
  for (const v of out.values()) v.sort();
  return out;
}
