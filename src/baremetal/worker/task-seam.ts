// A seam over what the platform's work runtime will give (src/platform/work, branch platform-work): the
// fence check "is my lease still held" and an event appended inside the caller's transaction. Until that
// lands these two statements live here, the only place this service touches the platform's tables;
// afterwards they become `task.tx(...)` and `events.append(e, q)`.
import type { Queryable } from '../../platform/db/types.ts';
import type { EventInput } from '../../platform/events/event-log.ts';

export async function leaseHeld(
  q: Queryable,
  resource: string,
  owner: string,
  now: number,
): Promise<boolean> {
  const row = await q.get('SELECT owner FROM leases WHERE resource = ? AND owner = ? AND expires_at > ?', [
    resource,
    owner,
    now,
  ]);
  return row !== undefined;
}

export async function appendEventIn(q: Queryable, e: EventInput, now: number): Promise<void> {
  const started = e.startedAt ?? now;
  await q.run(
    `INSERT INTO events (resource_type, resource_id, from_state, to_state, reason, started_at, ended_at,
      duration_ms, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.resourceType,
      e.resourceId,
      e.from,
      e.to,
      e.reason ?? '',
      started,
      now,
      Math.max(0, now - started),
      JSON.stringify(e.details ?? {}),
    ],
  );
}
