// The fenced task (Ironic's lock-scoped task manager): work on one resource under its lease, where every
// write goes through task.tx, a transaction that first proves the lease is still this holding's. A worker
// that lost its lease (it stalled past the expiry and another took over) gets LeaseLost instead of writing
// over its successor; the check also locks the lease row, so no takeover can land mid-transaction.
import type { Ctx } from '../context.ts';
import type { Queryable } from '../db/types.ts';
import { AppError, isAppError } from '../errors/catalogue.ts';
import type { LeaseSpec, Leases } from './leases.ts';

export interface Task {
  readonly resource: string;
  readonly owner: string;
  /** The lease generation this task holds: its fencing token. */
  readonly generation: number;
  /** Aborts when the caller cancels or the lease is lost. */
  readonly signal: AbortSignal;
  /** One transaction that runs fn only while the lease is still held; LeaseLost otherwise. */
  tx<R>(fn: (q: Queryable) => Promise<R>): Promise<R>;
}

/** A 409 in the error catalogue with the type name "LeaseLost". */
export function leaseLost(resource: string, owner: string): AppError {
  return new AppError('CONFLICT', `the lease on ${resource} held by ${owner} was lost`, {
    type: 'LeaseLost',
    details: { resource, owner },
  });
}

export const isLeaseLost = (e: unknown): e is AppError => isAppError(e) && e.type === 'LeaseLost';

/**
 * Claims the lease on spec.resource (CONFLICT "Locked" when another holds it), runs fn with a fenced
 * task, renews the lease while fn runs, aborts task.signal if it is lost and always releases it.
 */
export function withTask<T>(
  ctx: Ctx,
  leases: Leases,
  spec: LeaseSpec,
  fn: (task: Task) => Promise<T>,
): Promise<T> {
  return leases.hold(ctx, spec, ({ generation, signal, lose }) => {
    const task: Task = {
      resource: spec.resource,
      owner: spec.owner,
      generation,
      signal,
      tx: (body) =>
        leases.db.tx(async (q) => {
          if (!(await leases.holds(q, spec.resource, spec.owner, generation))) {
            const err = leaseLost(spec.resource, spec.owner);
            lose(err);
            throw err;
          }
          return body(q);
        }),
    };
    return fn(task);
  });
}
