// The provision state diagram, drawn from the table (Mermaid), so the docs cannot drift from the code.
import { type ProvisionEvent, STABLE_STATES, TRANSITIONS } from './provision.ts';

const id = (s: string) => s.replace(/[^a-z]/g, '_');

export function provisionDiagram(): string {
  const lines = ['stateDiagram-v2', '  [*] --> enroll'];
  const states = new Set<string>();
  for (const r of TRANSITIONS) {
    states.add(r.from);
    states.add(r.to);
  }
  for (const s of states) lines.push(`  state "${s}" as ${id(s)}`);
  // Several events between the same two states share one arrow.
  const arrows = new Map<string, ProvisionEvent[]>();
  for (const r of TRANSITIONS) {
    const key = `${id(r.from)} --> ${id(r.to)}`;
    arrows.set(key, [...(arrows.get(key) ?? []), r.event]);
  }
  for (const [arrow, events] of arrows) lines.push(`  ${arrow}: ${events.join(', ')}`);
  for (const s of STABLE_STATES) lines.push(`  class ${id(s)} stable`);
  lines.push('  classDef stable font-weight:bold');
  return `${lines.join('\n')}\n`;
}
