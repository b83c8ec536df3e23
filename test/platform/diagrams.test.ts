import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DIAGRAMS, redrawn } from '../../scripts/diagrams.ts';
import { embedDiagram } from '../../src/platform/work/diagram-docs.ts';

test('a diagram block is replaced whole, the text around it kept', () => {
  const doc = 'before\n<!-- diagram:x -->\nstale\nlines\n<!-- /diagram -->\nafter\n';
  assert.equal(
    embedDiagram(doc, 'x', 'stateDiagram-v2\n    a --> b: go\n'),
    'before\n<!-- diagram:x -->\n```mermaid\nstateDiagram-v2\n    a --> b: go\n```\n<!-- /diagram -->\nafter\n',
  );
  const once = embedDiagram(doc, 'x', 'D\n');
  assert.equal(embedDiagram(once, 'x', 'D\n'), once, 'redrawing is idempotent');
});

test('a doc without the marks is an error, not a silent no-op', () =>
  assert.throws(() => embedDiagram('nothing here', 'x', 'D\n'), /no <!-- diagram:x -->/));

test('every diagram in the docs matches its table (run `npm run diagrams` after changing one)', () => {
  assert.ok(DIAGRAMS.length > 0);
  for (const [path, text] of redrawn((p) => readFileSync(p, 'utf8')))
    assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale: run npm run diagrams`);
});
