// Rewrites the provision state diagram in docs/baremetal.md from the table in src/baremetal/model.
import { readFileSync, writeFileSync } from 'node:fs';
import { provisionDiagram } from '../src/baremetal/model/diagram.ts';

const path = new URL('../docs/baremetal.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const next = doc.replace(/```mermaid\n[\s\S]*?```/, `\`\`\`mermaid\n${provisionDiagram()}\`\`\``);
if (next === doc && !doc.includes('```mermaid')) throw new Error('docs/baremetal.md has no mermaid block');
writeFileSync(path, next);
