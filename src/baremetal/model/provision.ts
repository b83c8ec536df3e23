import { StateMachine } from '../../platform/work/state-machine.ts';

// Ironic's provision state machine as ONE table: every state of the API, every verb a client may send and
// every internal event the conductor raises when work finishes, fails, waits or resumes. Each row also
// names the target_provision_state the node carries while in `to` ("keep" keeps the current one, because
// e.g. `clean wait` is on its way to `available` for automated cleaning and to `manageable` for manual).

export const PROVISION_STATES = [
  'enroll',
  'verifying',
  'manageable',
  'inspecting',
  'inspect wait',
  'inspect failed',
  'cleaning',
  'clean wait',
  'clean hold',
  'clean failed',
  'available',
  'deploying',
  'wait call-back',
  'deploy hold',
  'deploy failed',
  'active',
  'deleting',
  'error',
  'adopting',
  'adopt failed',
  'rescuing',
  'rescue wait',
  'rescue',
  'rescue failed',
  'unrescuing',
  'unrescue failed',
  'servicing',
  'service wait',
  'service hold',
  'service failed',
] as const;
export type ProvisionState = (typeof PROVISION_STATES)[number];

/** Verbs a client sends (the internal names; the API's targets map onto them in API_TARGETS). */
export const API_VERBS = [
  'manage',
  'provide',
  'inspect',
  'clean',
  'deploy',
  'rebuild',
  'delete',
  'adopt',
  'rescue',
  'unrescue',
  'abort',
  'unhold',
  'service',
] as const;
export type ApiVerb = (typeof API_VERBS)[number];

/** Events only the conductor raises: work done (automated or manual cleaning), failed, waiting, resumed, held. */
export const INTERNAL_EVENTS = ['done', 'done-manual', 'fail', 'wait', 'resume', 'hold'] as const;
export type InternalEvent = (typeof INTERNAL_EVENTS)[number];
export type ProvisionEvent = ApiVerb | InternalEvent;

export type Target = ProvisionState | null | 'keep';

export interface Transition {
  from: ProvisionState;
  event: ProvisionEvent;
  to: ProvisionState;
  target: Target;
}

const t = (from: ProvisionState, event: ProvisionEvent, to: ProvisionState, target: Target): Transition => ({
  from,
  event,
  to,
  target,
});

export const TRANSITIONS: readonly Transition[] = [
  // enrol and verify the power credentials
  t('enroll', 'manage', 'verifying', 'manageable'),
  t('verifying', 'done', 'manageable', null),
  t('verifying', 'fail', 'enroll', null),
  // manageable ↔ available
  t('available', 'manage', 'manageable', null),
  t('manageable', 'provide', 'cleaning', 'available'),
  // inspection
  t('manageable', 'inspect', 'inspecting', 'manageable'),
  t('inspect failed', 'inspect', 'inspecting', 'manageable'),
  t('inspect failed', 'manage', 'manageable', null),
  t('inspecting', 'done', 'manageable', null),
  t('inspecting', 'wait', 'inspect wait', 'keep'),
  t('inspecting', 'fail', 'inspect failed', null),
  t('inspect wait', 'resume', 'inspecting', 'keep'),
  t('inspect wait', 'done', 'manageable', null),
  t('inspect wait', 'fail', 'inspect failed', null),
  t('inspect wait', 'abort', 'inspect failed', null),
  // cleaning: automated (provide, after undeploy) ends in available, manual (clean) in manageable
  t('manageable', 'clean', 'cleaning', 'manageable'),
  t('cleaning', 'done', 'available', null),
  t('cleaning', 'done-manual', 'manageable', null),
  t('cleaning', 'wait', 'clean wait', 'keep'),
  t('cleaning', 'hold', 'clean hold', 'keep'),
  t('cleaning', 'fail', 'clean failed', null),
  t('clean wait', 'resume', 'cleaning', 'keep'),
  t('clean wait', 'hold', 'clean hold', 'keep'),
  t('clean wait', 'fail', 'clean failed', null),
  t('clean wait', 'abort', 'clean failed', null),
  t('clean hold', 'unhold', 'clean wait', 'keep'),
  t('clean hold', 'abort', 'clean failed', null),
  t('clean failed', 'manage', 'manageable', null),
  // deployment
  t('available', 'deploy', 'deploying', 'active'),
  t('deploy failed', 'deploy', 'deploying', 'active'),
  t('deploy failed', 'rebuild', 'deploying', 'active'),
  t('active', 'rebuild', 'deploying', 'active'),
  t('error', 'rebuild', 'deploying', 'active'),
  t('deploying', 'done', 'active', null),
  t('deploying', 'wait', 'wait call-back', 'keep'),
  t('deploying', 'hold', 'deploy hold', 'keep'),
  t('deploying', 'fail', 'deploy failed', null),
  t('wait call-back', 'resume', 'deploying', 'keep'),
  t('wait call-back', 'hold', 'deploy hold', 'keep'),
  t('wait call-back', 'done', 'active', null),
  t('wait call-back', 'fail', 'deploy failed', null),
  t('wait call-back', 'abort', 'deploy failed', null),
  t('deploy hold', 'unhold', 'wait call-back', 'keep'),
  t('deploy hold', 'abort', 'deploy failed', null),
  // tear down: deleting, then automated cleaning
  t('active', 'delete', 'deleting', 'available'),
  t('wait call-back', 'delete', 'deleting', 'available'),
  t('deploy failed', 'delete', 'deleting', 'available'),
  t('error', 'delete', 'deleting', 'available'),
  t('rescue', 'delete', 'deleting', 'available'),
  t('rescue wait', 'delete', 'deleting', 'available'),
  t('rescue failed', 'delete', 'deleting', 'available'),
  t('unrescue failed', 'delete', 'deleting', 'available'),
  t('service wait', 'delete', 'deleting', 'available'),
  t('service failed', 'delete', 'deleting', 'available'),
  t('deleting', 'done', 'cleaning', 'available'),
  t('deleting', 'fail', 'error', null),
  // adoption of a node already running its workload
  t('manageable', 'adopt', 'adopting', 'active'),
  t('adopt failed', 'adopt', 'adopting', 'active'),
  t('adopt failed', 'manage', 'manageable', null),
  t('adopting', 'done', 'active', null),
  t('adopting', 'fail', 'adopt failed', null),
  // rescue
  t('active', 'rescue', 'rescuing', 'rescue'),
  t('rescue', 'rescue', 'rescuing', 'rescue'),
  t('rescue failed', 'rescue', 'rescuing', 'rescue'),
  t('unrescue failed', 'rescue', 'rescuing', 'rescue'),
  t('rescuing', 'done', 'rescue', null),
  t('rescuing', 'wait', 'rescue wait', 'keep'),
  t('rescuing', 'fail', 'rescue failed', null),
  t('rescue wait', 'resume', 'rescuing', 'keep'),
  t('rescue wait', 'done', 'rescue', null),
  t('rescue wait', 'fail', 'rescue failed', null),
  t('rescue wait', 'abort', 'rescue failed', null),
  t('rescue', 'unrescue', 'unrescuing', 'active'),
  t('rescue failed', 'unrescue', 'unrescuing', 'active'),
  t('unrescue failed', 'unrescue', 'unrescuing', 'active'),
  t('unrescuing', 'done', 'active', null),
  t('unrescuing', 'fail', 'unrescue failed', null),
  // servicing of a deployed node
  t('active', 'service', 'servicing', 'active'),
  t('service failed', 'service', 'servicing', 'active'),
  t('servicing', 'done', 'active', null),
  t('servicing', 'wait', 'service wait', 'keep'),
  t('servicing', 'hold', 'service hold', 'keep'),
  t('servicing', 'fail', 'service failed', null),
  t('service wait', 'resume', 'servicing', 'keep'),
  t('service wait', 'hold', 'service hold', 'keep'),
  t('service wait', 'done', 'active', null),
  t('service wait', 'fail', 'service failed', null),
  t('service wait', 'abort', 'service failed', null),
  t('service hold', 'unhold', 'service wait', 'keep'),
  t('service hold', 'abort', 'service failed', null),
  t('service failed', 'abort', 'active', null),
];

export const STABLE_STATES: ReadonlySet<ProvisionState> = new Set([
  'enroll',
  'manageable',
  'available',
  'active',
  'error',
  'rescue',
]);

export const FAILURE_STATES: ReadonlySet<ProvisionState> = new Set([
  'deploy failed',
  'clean failed',
  'inspect failed',
  'rescue failed',
  'unrescue failed',
  'adopt failed',
  'service failed',
  'error',
]);

/** States in which the conductor is waiting for something outside (the ramdisk agent, an operator). */
export const WAIT_STATES: ReadonlySet<ProvisionState> = new Set([
  'inspect wait',
  'clean wait',
  'wait call-back',
  'rescue wait',
  'service wait',
]);

/** Held on purpose by a step, until an operator sends unhold or abort: no timeout applies. */
export const HOLD_STATES: ReadonlySet<ProvisionState> = new Set([
  'clean hold',
  'deploy hold',
  'service hold',
]);

/** States in which a conductor is actively working: a node left here by a dead conductor has failed. */
export const ACTION_STATES: ReadonlySet<ProvisionState> = new Set(
  PROVISION_STATES.filter(
    (s) => !STABLE_STATES.has(s) && !FAILURE_STATES.has(s) && !WAIT_STATES.has(s) && !HOLD_STATES.has(s),
  ),
);

export type ApplyResult =
  | { ok: true; to: ProvisionState; target: ProvisionState | null }
  | { ok: false; reason: string };

/**
 * The platform's table-driven machine over the same rows. Its target is the fixed one; "keep" rows carry
 * null there and are resolved against the node's current target by applyProvision.
 */
export const PROVISION_MACHINE = new StateMachine<ProvisionState, ProvisionEvent>(
  TRANSITIONS.map((r) => ({
    from: r.from,
    event: r.event,
    to: r.to,
    target: r.target === 'keep' ? null : r.target,
  })),
  { initial: 'enroll' },
);

const KEEPS = new Set(TRANSITIONS.filter((r) => r.target === 'keep').map((r) => `${r.from}\u0000${r.event}`));

/** Applies one event: where the node goes and which target it then carries. */
export function applyProvision(
  state: ProvisionState,
  currentTarget: ProvisionState | null,
  event: ProvisionEvent,
): ApplyResult {
  const r = PROVISION_MACHINE.apply(state, event);
  if (!r.ok) return r;
  return { ok: true, to: r.to, target: KEEPS.has(`${state}\u0000${event}`) ? currentTarget : r.target };
}

export function eventsFrom(state: ProvisionState): ProvisionEvent[] {
  return PROVISION_MACHINE.eventsFrom(state);
}

/** The failure state an action or wait state falls to (used by timeouts and by takeover after a crash). */
export function failureOf(state: ProvisionState): ProvisionState | undefined {
  const r = PROVISION_MACHINE.apply(state, 'fail');
  return r.ok ? r.to : undefined;
}

export function isProvisionState(s: unknown): s is ProvisionState {
  return typeof s === 'string' && (PROVISION_STATES as readonly string[]).includes(s);
}
