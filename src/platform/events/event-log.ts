// The append-only event log: every state transition of every resource, with how long the state before it
// lasted. It is the deploy timeline, the source of CLI progress and of Heat's event list.
import type { Database, Queryable } from '../db/types.ts';
import type { JsonValue } from '../errors/catalogue.ts';

export interface EventInput {
  resourceType: string;
  resourceId: string;
  from: string | null;
  to: string;
  reason?: string;
  /** When the step that ends with this transition started; defaults to now (an instant event). */
  startedAt?: number;
  details?: Record<string, JsonValue>;
}

export interface Event {
  id: number;
  resourceType: string;
  resourceId: string;
  from: string | null;
  to: string;
  reason: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  details: Record<string, JsonValue>;
}

interface EventRow {
  id: number;
  resource_type: string;
  resource_id: string;
  from_state: string | null;
  to_state: string;
  reason: string;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  details: string;
}

const toEvent = (r: EventRow): Event => ({
  id: Number(r.id),
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
  details: JSON.parse(r.details) as Record<string, JsonValue>,
});

export class EventLog {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Appends an event. Given a transaction's `q`, the event is written in that transaction, so a state
   * change and its event commit together or not at all; the wake-up on `events` goes out at commit.
   */
  async append(e: EventInput, q?: Queryable): Promise<void> {
    const ended = this.#now();
    const started = e.startedAt ?? ended;
    await (q ?? this.#db).run(
      `INSERT INTO events (resource_type, resource_id, from_state, to_state, reason, started_at, ended_at,
        duration_ms, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        e.resourceType,
        e.resourceId,
        e.from,
        e.to,
        e.reason ?? '',
        started,
        ended,
        Math.max(0, ended - started),
        JSON.stringify(e.details ?? {}),
      ],
    );
    await this.#db.notify(EVENTS_CHANNEL, `${e.resourceType}:${e.resourceId}`, q);
  }

  /** A resource's events in order; `afterId` continues a previous read (for following live progress). */
  async list(resourceType: string, resourceId: string, afterId = 0): Promise<Event[]> {
    const rows = await this.#db.all<EventRow>(
      'SELECT * FROM events WHERE resource_type = ? AND resource_id = ? AND id > ? ORDER BY id',
      [resourceType, resourceId, afterId],
    );
    return rows.map(toEvent);
  }

  /**
   * One page of the whole log (or of one resource type) after `afterId`, oldest first. The last event's
   * id is the cursor for the next page; a short page means the reader has caught up.
   */
  async listSince(afterId: number, opts: { limit?: number; resourceType?: string } = {}): Promise<Event[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000));
    const rows = opts.resourceType
      ? await this.#db.all<EventRow>(
          'SELECT * FROM events WHERE resource_type = ? AND id > ? ORDER BY id LIMIT ?',
          [opts.resourceType, afterId, limit],
        )
      : await this.#db.all<EventRow>('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?', [
          afterId,
          limit,
        ]);
    return rows.map(toEvent);
  }
}

/** The channel every appended event wakes, with "type:id" as the payload. */
export const EVENTS_CHANNEL = 'events';
