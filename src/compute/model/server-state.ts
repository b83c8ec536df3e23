// A server's state as Nova keeps it: vm_state (where it is) × task_state (what is being done to it), the
// status clients see derived from the pair, the power state as Nova's integers, and which action may start
// from which pair. Pure; table-tested.
import { conflict } from '../../platform/errors/catalogue.ts';

export type VmState = 'building' | 'active' | 'stopped' | 'error' | 'deleted';
export type TaskState =
  | 'scheduling'
  | 'networking'
  | 'spawning'
  | 'deleting'
  | 'rebooting'
  | 'rebooting_hard'
  | 'powering-off'
  | 'powering-on'
  | 'rebuilding'
  | 'rebuild_spawning'
  | null;

/** Nova's power_state integers. */
export const POWER = { NOSTATE: 0, RUNNING: 1, SHUTDOWN: 4 } as const;

/** Nova's _STATE_MAP, for the pairs this service produces. */
export function statusOf(vm: VmState, task: TaskState): string {
  if (task === 'rebuilding' || task === 'rebuild_spawning') return 'REBUILD';
  switch (vm) {
    case 'building':
      return 'BUILD';
    case 'active':
      if (task === 'rebooting') return 'REBOOT';
      if (task === 'rebooting_hard') return 'HARD_REBOOT';
      return 'ACTIVE';
    case 'stopped':
      return 'SHUTOFF';
    case 'error':
      return 'ERROR';
    case 'deleted':
      return 'DELETED';
  }
}

/** The status filter of GET /servers back to the vm_states it means (REBOOT etc. are active ones). */
export function vmStatesOfStatus(status: string): VmState[] | undefined {
  switch (status.toUpperCase()) {
    case 'BUILD':
      return ['building'];
    case 'ACTIVE':
    case 'REBOOT':
    case 'HARD_REBOOT':
      return ['active'];
    case 'SHUTOFF':
      return ['stopped'];
    case 'ERROR':
      return ['error'];
    case 'REBUILD':
      return ['active', 'stopped', 'error'];
    default:
      return undefined;
  }
}

export type ServerAction = 'reboot' | 'reboot_hard' | 'stop' | 'start' | 'rebuild';

interface ActionRule {
  /** Nova's action name in errors and instance actions. */
  name: string;
  from: readonly VmState[];
  task: Exclude<TaskState, null>;
}

/** Nova's check_instance_state for each action (task_state must be None). */
export const ACTIONS: Readonly<Record<ServerAction, ActionRule>> = {
  reboot: { name: 'reboot', from: ['active'], task: 'rebooting' },
  reboot_hard: { name: 'reboot', from: ['active', 'stopped', 'error'], task: 'rebooting_hard' },
  stop: { name: 'stop', from: ['active', 'error'], task: 'powering-off' },
  start: { name: 'start', from: ['stopped'], task: 'powering-on' },
  rebuild: { name: 'rebuild', from: ['active', 'stopped', 'error'], task: 'rebuilding' },
};

/** The task an action sets, or Nova's 409 when the server is not in a state it may start from. */
export function startAction(
  action: ServerAction,
  id: string,
  vm: VmState,
  task: TaskState,
): Exclude<TaskState, null> {
  const rule = ACTIONS[action];
  if (task !== null)
    throw conflict(`Cannot '${rule.name}' instance ${id} while it is in task_state ${task}`, {
      type: 'conflictingRequest',
    });
  if (!rule.from.includes(vm))
    throw conflict(`Cannot '${rule.name}' instance ${id} while it is in vm_state ${vm}`, {
      type: 'conflictingRequest',
    });
  return rule.task;
}
