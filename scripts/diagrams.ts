// `npm run diagrams`: redraws every state machine into its doc (see src/platform/work/diagram-docs.ts).
// A service with a state machine adds a line here and the marks in its doc.
import { readFileSync, writeFileSync } from 'node:fs';
import { IMAGE_STATUS } from '../src/image/model/status.ts';
import { embedDiagram } from '../src/platform/work/diagram-docs.ts';

export const DIAGRAMS: { doc: string; name: string; diagram: () => string }[] = [
  { doc: 'docs/image.md', name: 'image-status', diagram: () => IMAGE_STATUS.diagram() },
];

/** Each doc's text with its diagrams redrawn, by path. */
export function redrawn(read: (path: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of DIAGRAMS) out.set(d.doc, embedDiagram(out.get(d.doc) ?? read(d.doc), d.name, d.diagram()));
  return out;
}

if (import.meta.main) {
  for (const [path, text] of redrawn((p) => readFileSync(p, 'utf8'))) {
    if (readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    console.log(`redrew ${path}`);
  }
}
