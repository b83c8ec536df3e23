// The work runtime: what conductors and engines build their long-running work on.
export { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
export { type ClaimResult, type Lease, type LeaseSpec, Leases } from './leases.ts';
export { platformMigrations } from './migrations.ts';
export {
  done,
  failed,
  type Outcome,
  type Periodic,
  Reconciler,
  type ReconcilerOptions,
  requeueAfter,
} from './reconcile.ts';
export { Membership, orphans, type WorkerInfo, WorkerRegistry } from './registry.ts';
export { HashRing } from './ring.ts';
export { type Applied, StateMachine, type StateMachineOptions, type Transition } from './state-machine.ts';
export { isLeaseLost, leaseLost, type Task, withTask } from './task.ts';
export { FakeTimers, realTimers, type Timers } from './timers.ts';
