// The deploy timeline of a node from its events: the last deploy (or rebuild) up to `active` or its
// failure, as phases with durations. Each phase ends at an event and lasts from the previous phase's end,
// so the phases add up to the whole. What the events carry names the phase: power changes, the first
// ramdisk heartbeat, an image written (bytes → MB/s), provision transitions.

export interface NodeEventRecord {
  id: number;
  kind: string;
  from: string | null;
  to: string;
  reason: string;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  details: Record<string, unknown>;
}

export interface Phase {
  label: string;
  durationMs: number;
  endedAt: string;
  note?: string;
}

export interface Timeline {
  startedAt: string;
  phases: Phase[];
  totalMs: number;
  /** active, deploy failed, or in progress (the state the last event left). */
  outcome: string;
}

const START_EVENTS = new Set(['deploy', 'rebuild']);
const END_STATES = new Set(['active', 'deploy failed', 'error']);

const isDeployStart = (e: NodeEventRecord) =>
  e.kind === 'provision' && START_EVENTS.has(String(e.details.event)) && e.to === 'deploying';

/** undefined when no deploy was ever recorded. */
export function deployTimeline(events: readonly NodeEventRecord[]): Timeline | undefined {
  let start = -1;
  for (let i = events.length - 1; i >= 0; i--)
    if (isDeployStart(events[i]!)) {
      start = i;
      break;
    }
  if (start < 0) return undefined;
  const first = events[start]!;
  const t0 = Date.parse(first.ended_at);
  const phases: Phase[] = [];
  let prev = t0;
  let outcome = 'deploying (in progress)';
  let sawHeartbeat = false;
  let sawPowerOn = false;
  for (const e of events.slice(start + 1)) {
    const at = Date.parse(e.ended_at);
    const label = labelOf(e, { sawHeartbeat, sawPowerOn });
    if (label === undefined) continue;
    if (e.kind === 'heartbeat') sawHeartbeat = true;
    if (e.kind === 'power' && e.to === 'power on') sawPowerOn = true;
    phases.push({ label, durationMs: at - prev, endedAt: e.ended_at, ...noteOf(e, at - prev) });
    prev = at;
    if (e.kind === 'provision') {
      outcome = END_STATES.has(e.to) ? e.to : `${e.to} (in progress)`;
      if (END_STATES.has(e.to)) break;
    }
  }
  return { startedAt: first.ended_at, phases, totalMs: prev - t0, outcome };
}

function labelOf(
  e: NodeEventRecord,
  seen: { sawHeartbeat: boolean; sawPowerOn: boolean },
): string | undefined {
  switch (e.kind) {
    case 'provision':
      return e.to === 'active' ? `${e.from} → active` : `${e.from} → ${e.to}`;
    case 'power':
      if (e.reason === 'rebooting' || (e.to === 'power on' && seen.sawPowerOn)) return 'reboot';
      return e.to;
    case 'heartbeat':
      // The time from power on to the first heartbeat is DHCP, PXE/iPXE and the ramdisk's boot.
      return seen.sawHeartbeat ? undefined : 'DHCP/boot → ramdisk up (first heartbeat)';
    case 'management':
      return `boot device ${e.to}`;
    default:
      return typeof e.details.bytes === 'number' ? 'image written' : `${e.kind}: ${e.to}`;
  }
}

/** The phase's note: an image write's rate over the write's own time (the conductor's `seconds`), else the event's or the phase's. */
function noteOf(e: NodeEventRecord, phaseMs: number): { note?: string } {
  const bytes = e.details.bytes;
  if (typeof bytes !== 'number') return e.details.severity === 'ERROR' ? { note: e.reason } : {};
  const mb = bytes / 1e6;
  const given = Number(e.details.seconds);
  const ms = Number.isFinite(given) && given > 0 ? given * 1000 : e.duration_ms > 0 ? e.duration_ms : phaseMs;
  const rate = ms > 0 ? ` at ${(mb / (ms / 1000)).toFixed(1)} MB/s` : '';
  // a download the agent had to start over: how often and why, the time lost is inside this phase
  const failed = Array.isArray(e.details.download_failures) ? e.details.download_failures.map(String) : [];
  const retried = failed.length > 0 ? `, ${failed.length + 1} download attempts (${failed.join('; ')})` : '';
  return { note: `${mb.toFixed(1)} MB${rate}${retried}` };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/** The lines `ooo node timeline` prints. */
export function formatTimeline(name: string, t: Timeline): string[] {
  const width = Math.max(10, ...t.phases.map((p) => p.label.length));
  const out = [`${name}: last deploy started ${t.startedAt}`];
  for (const p of t.phases)
    out.push(
      `  ${p.label.padEnd(width)}  ${seconds(p.durationMs).padStart(10)}${p.note ? `  ${p.note}` : ''}`,
    );
  out.push(`  ${'total'.padEnd(width)}  ${seconds(t.totalMs).padStart(10)}  ${t.outcome}`);
  return out;
}
