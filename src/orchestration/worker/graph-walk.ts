// Visits the resources of a stack in dependency order: each name once, only after every name it waits for
// was visited successfully, independent names in parallel. A name whose wait failed is not visited.
// The graph is acyclic: the template model refuses cycles before anything runs.
export async function walkGraph(
  names: Iterable<string>,
  waitsFor: (name: string) => Iterable<string>,
  visit: (name: string) => Promise<boolean>,
): Promise<void> {
  const done = new Map<string, Promise<boolean>>();
  const run = (name: string): Promise<boolean> => {
    let p = done.get(name);
    if (!p) {
      const waits = [...waitsFor(name)].map(run);
      p = Promise.all(waits).then((oks) => (oks.every(Boolean) ? visit(name) : false));
      done.set(name, p);
    }
    return p;
  };
  await Promise.all([...names].map(run));
}
