// An exclusive operation on one node, Ironic's task_manager reduced: it holds the node's lease (shown as the
// node's `reservation`), and every write it makes checks in the same transaction that the lease is still
// held, so a conductor that lost its lease can never overwrite its successor's work. Each provision
// transition is applied from the table and recorded as an event in that same transaction.
import type { Ctx } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/types.ts';
import type { JsonValue } from '../../platform/errors/catalogue.ts';
import type { EventLog } from '../../platform/events/event-log.ts';
import type { Task } from '../../platform/work/task.ts';
import type { Node } from '../model/node.ts';
import { applyProvision, type ProvisionEvent } from '../model/provision.ts';
import type { NodeStore } from '../store/nodes.ts';

export const NODE_EVENT_TYPE = 'baremetal-node';
export const nodeResource = (uuid: string) => `baremetal:node:${uuid}`;

/** The node was deleted while a task held its lease (a delete ends its own task this way). */
export class NodeGoneError extends Error {}

export interface NodeEventDetails {
  kind: 'provision' | 'power' | 'maintenance' | 'management' | 'phase';
  [k: string]: JsonValue;
}

export class NodeTask {
  readonly ctx: Ctx;
  readonly owner: string;
  readonly host: string;
  readonly uuid: string;
  node: Node;
  readonly #task: Task;
  readonly #events: EventLog;
  readonly #nodes: NodeStore;
  readonly #now: () => number;
  readonly #user: string | null;

  constructor(opts: {
    ctx: Ctx;
    owner: string;
    host: string;
    node: Node;
    task: Task;
    events: EventLog;
    nodes: NodeStore;
    now: () => number;
    user: string | null;
  }) {
    this.ctx = opts.ctx;
    this.owner = opts.owner;
    this.host = opts.host;
    this.uuid = opts.node.uuid;
    this.node = opts.node;
    this.#task = opts.task;
    this.#events = opts.events;
    this.#nodes = opts.nodes;
    this.#now = opts.now;
    this.#user = opts.user;
  }

  get signal(): AbortSignal {
    return this.#task.signal;
  }

  /**
   * Reads the node, lets `mutate` change it, and writes it back, all in one transaction that first checks
   * the lease is still ours. `mutate` may return an event (NodeEventDetails) to record with the change.
   */
  async update(mutate: (n: Node, q: Queryable) => unknown): Promise<Node> {
    const now = this.#now();
    // task.tx proves (and locks) the lease before anything is read or written: a lost lease writes nothing.
    const node = await this.#task.tx(async (q) => {
      const n = await this.#nodes.get(this.uuid, q, true);
      if (!n) throw new NodeGoneError(`node ${this.uuid} is gone`);
      const before = { state: n.provision_state, at: n.provision_updated_at };
      const details = (await mutate(n, q)) as NodeEventDetails | undefined;
      n.updated_at = new Date(now).toISOString();
      await this.#nodes.save(n, q);
      if (details && typeof details === 'object' && 'kind' in details) {
        await this.#events.append(
          {
            resourceType: NODE_EVENT_TYPE,
            resourceId: n.uuid,
            from: details.kind === 'provision' ? before.state : null,
            to: details.kind === 'provision' ? n.provision_state : String(details.to ?? details.kind),
            reason: String(details.reason ?? ''),
            startedAt: details.kind === 'provision' && before.at ? Date.parse(before.at) : now,
            details: { ...details, conductor: this.host, user: this.#user },
          },
          q,
        );
      }
      return n;
    });
    this.node = node;
    return node;
  }

  /** Applies one event of the state machine; throws when the table has no such move (a bug, or a race lost). */
  transition(
    event: ProvisionEvent,
    opts: { lastError?: string | null; change?: (n: Node) => void } = {},
  ): Promise<Node> {
    return this.update((n) => {
      const r = applyProvision(n.provision_state, n.target_provision_state, event);
      if (!r.ok) throw new Error(`node ${n.uuid}: ${r.reason}`);
      const from = n.provision_state;
      n.provision_state = r.to;
      n.target_provision_state = r.target;
      n.provision_updated_at = new Date(this.#now()).toISOString();
      if (opts.lastError !== undefined) n.last_error = opts.lastError;
      opts.change?.(n);
      return {
        kind: 'provision',
        event,
        reason: opts.lastError ?? event,
        severity: opts.lastError ? 'ERROR' : 'INFO',
        target: r.target,
        fromState: from,
      };
    });
  }
}
