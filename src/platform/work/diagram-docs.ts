// Keeps state diagrams in the docs equal to their tables: a doc marks where a machine is drawn,
//   <!-- diagram:image-status -->
//   <!-- /diagram -->
// and `npm run diagrams` (scripts/diagrams.ts) puts the machine's Mermaid text between the marks; a test
// fails when a table changed and its drawing did not. Pure: text in, text out.

const block = (name: string) =>
  new RegExp(`(<!-- diagram:${name.replace(/[^A-Za-z0-9_-]/g, '')} -->\\n)[\\s\\S]*?(<!-- /diagram -->)`);

/** The doc with the named diagram's block replaced by `mermaid`; throws when the doc has no such marks. */
export function embedDiagram(doc: string, name: string, mermaid: string): string {
  const re = block(name);
  if (!re.test(doc)) throw new Error(`no <!-- diagram:${name} --> ... <!-- /diagram --> block`);
  return doc.replace(
    re,
    (_m, open: string, close: string) => `${open}\`\`\`mermaid\n${mermaid}\`\`\`\n${close}`,
  );
}
