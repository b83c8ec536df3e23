// A state machine as a table of (from, event, to, target) rows, in the manner of Ironic's states module:
// the table is the single source of truth for which moves exist, what refuses a move, and the diagram in
// the docs. Pure: no I/O, so a store applies the answer with its own conditional write.

export interface Transition<S extends string, E extends string> {
  from: S;
  event: E;
  to: S;
  /** Where a transitional state is heading (Ironic's target_provision_state); null or absent when none. */
  target?: S | null;
}

export type Applied<S extends string> = { ok: true; to: S; target: S | null } | { ok: false; reason: string };

export interface StateMachineOptions<S extends string> {
  /** The state a new resource starts in; drawn as the diagram's entry point. */
  initial?: S;
  /** States with no way out that are still part of the machine's vocabulary (drawn as ends). */
  terminal?: readonly S[];
}

export class StateMachine<S extends string, E extends string> {
  readonly #transitions: readonly Transition<S, E>[];
  readonly #byKey = new Map<string, Transition<S, E>>();
  readonly #states: S[] = [];
  readonly #initial: S | undefined;
  readonly #terminal: readonly S[];

  constructor(transitions: readonly Transition<S, E>[], opts: StateMachineOptions<S> = {}) {
    this.#transitions = transitions.map((t) => ({ ...t }));
    this.#initial = opts.initial;
    this.#terminal = opts.terminal ?? [];
    const seen = new Set<S>();
    const note = (s: S | null | undefined) => {
      if (s != null && !seen.has(s)) {
        seen.add(s);
        this.#states.push(s);
      }
    };
    note(opts.initial);
    for (const t of this.#transitions) {
      const key = keyOf(t.from, t.event);
      // Two rows for one (state, event) would make apply ambiguous: a table error, caught at load.
      if (this.#byKey.has(key)) throw new Error(`duplicate transition from ${t.from} on ${t.event}`);
      this.#byKey.set(key, t);
      note(t.from);
      note(t.to);
      note(t.target);
    }
    for (const s of this.#terminal) note(s);
  }

  /** The move `event` makes from `state`, or why there is none. */
  apply(state: S, event: E): Applied<S> {
    const t = this.#byKey.get(keyOf(state, event));
    if (t) return { ok: true, to: t.to, target: t.target ?? null };
    if (!this.#states.includes(state)) return { ok: false, reason: `unknown state ${state}` };
    const allowed = this.eventsFrom(state);
    return {
      ok: false,
      reason:
        allowed.length === 0
          ? `no event is allowed in state ${state}`
          : `${event} is not allowed in state ${state} (allowed: ${allowed.join(', ')})`,
    };
  }

  /** The events that have a move from `state`, in table order. */
  eventsFrom(state: S): E[] {
    return [...new Set(this.#transitions.filter((t) => t.from === state).map((t) => t.event))];
  }

  /** The states `event` moves out of, in table order (the `from` list of a conditional update). */
  sourcesOf(event: E): S[] {
    return [...new Set(this.#transitions.filter((t) => t.event === event).map((t) => t.from))];
  }

  /** Whether some event moves `from` to `to` directly. */
  canMove(from: S, to: S): boolean {
    return this.#transitions.some((t) => t.from === from && t.to === to);
  }

  /** Every state named by the table, in order of first appearance. */
  states(): S[] {
    return [...this.#states];
  }

  transitions(): Transition<S, E>[] {
    return this.#transitions.map((t) => ({ ...t }));
  }

  /**
   * A Mermaid stateDiagram-v2 of the table. Deterministic (table order, no timestamps), so a doc can
   * embed it and a test can compare the doc with a fresh rendering.
   */
  diagram(): string {
    const ids = new Map<S, string>();
    const used = new Set<string>();
    for (const s of this.#states) {
      let id = s.replace(/[^A-Za-z0-9_]/g, '_');
      if (/^[0-9]/.test(id)) id = `s_${id}`;
      while (used.has(id)) id = `${id}_`;
      used.add(id);
      ids.set(s, id);
    }
    const lines = ['stateDiagram-v2'];
    for (const s of this.#states) {
      const id = ids.get(s) as string;
      if (id !== s) lines.push(`    state "${s.replaceAll('"', "'")}" as ${id}`);
    }
    if (this.#initial) lines.push(`    [*] --> ${ids.get(this.#initial)}`);
    for (const t of this.#transitions) {
      const label = t.target ? `${t.event} (target ${t.target})` : t.event;
      lines.push(`    ${ids.get(t.from)} --> ${ids.get(t.to)}: ${label.replaceAll(':', ' ')}`);
    }
    for (const s of this.#terminal) lines.push(`    ${ids.get(s)} --> [*]`);
    return `${lines.join('\n')}\n`;
  }
}

const keyOf = (state: string, event: string) => `${state}\u0000${event}`;
