// Pure pieces of the engine: new stack and resource rows, and the reasons written into failed states.

import { randomUUID } from 'node:crypto';
import { TemplateError } from '../model/errors.ts';
import type { JsonMap } from '../model/template-format.ts';
import type { ResourceRow, StackRow } from '../store/stacks.ts';
import type { StackDefinition, StackInput } from './prepare.ts';
import type { Outcome } from './resources/plugin.ts';

export interface Caller {
  projectId: string;
  userId: string;
  token?: string;
}

/** An operation cancelled by the user (stack cancel) or by shutdown; its message is the reason. */
export class Cancelled extends Error {}

export function newStackRow(
  now: number,
  caller: Caller,
  id: string,
  name: string,
  parent: StackRow | null,
  parentResource: string | null,
  rootId: string,
  input: StackInput,
  def: StackDefinition,
  opts: { disableRollback: boolean; timeoutMins: number | null; tags: string[] },
): StackRow {
  return {
    id,
    name,
    projectId: caller.projectId,
    userId: caller.userId,
    parentId: parent?.id ?? null,
    parentResource,
    rootId,
    action: 'CREATE',
    status: 'IN_PROGRESS',
    statusReason: 'Stack CREATE started',
    template: input.template,
    environment: input.environment as unknown as JsonMap,
    files: input.files,
    params: def.params as JsonMap,
    prev: null,
    disableRollback: opts.disableRollback,
    timeoutMins: opts.timeoutMins,
    tags: opts.tags,
    createdAt: now,
    updatedAt: null,
    deletedAt: null,
  };
}

export function initRow(stack: StackRow, name: string, type: string, now: number): ResourceRow {
  return {
    stackId: stack.id,
    name,
    id: randomUUID(),
    type,
    action: 'INIT',
    status: 'COMPLETE',
    statusReason: '',
    physicalId: null,
    properties: {},
    metadata: {},
    attributes: {},
    data: {},
    nestedId: null,
    createdAt: now,
    updatedAt: null,
  };
}

/** A row after a plugin made or changed its resource: the outcome, and the properties and metadata it was
 * given; `kept` supplies private data and the child stack when the outcome leaves them out. */
export function withOutcome(
  row: ResourceRow,
  o: Outcome,
  resolved: { props: JsonMap; metadata: JsonMap },
  kept: Pick<ResourceRow, 'data' | 'nestedId'> = { data: {}, nestedId: null },
): ResourceRow {
  return {
    ...row,
    physicalId: o.physicalId,
    attributes: o.attributes,
    data: o.data ?? kept.data,
    nestedId: o.nestedId ?? kept.nestedId,
    properties: resolved.props,
    metadata: resolved.metadata,
  };
}

export function errorReason(e: unknown, name: string, action: string): string {
  if (e instanceof Cancelled) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  const type = e instanceof TemplateError ? e.type : 'Error';
  return (
    `${type}: resources.${name}: ${msg}`.replace(
      `resources.${name}: resources.${name}`,
      `resources.${name}`,
    ) || `${action} failed`
  );
}

export function abortReason(signal: AbortSignal, action: string): string {
  const r = signal.reason;
  if (r instanceof Cancelled) return r.message;
  if (r instanceof DOMException && r.name === 'TimeoutError') return `${action} timed out`;
  return r instanceof Error ? r.message : `${action} aborted`;
}
