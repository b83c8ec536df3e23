// os.path.join for two parts (its own module, so os-refresh-config's bundle does not carry the
// template tooling of os-apply-config with it).
export function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}
