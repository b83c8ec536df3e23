// Ironic's error types over the platform catalogue: the type names ironicclient and tempest look for.
import { AppError } from '../../platform/errors/catalogue.ts';
import { PatchError } from './json-patch.ts';
import { NodeInputError } from './node-input.ts';

export const invalid = (msg: string, type = 'InvalidParameterValue') =>
  new AppError('BAD_REQUEST', msg, { type });
export const notAcceptable = (msg: string) => new AppError('NOT_ACCEPTABLE', msg, { type: 'NotAcceptable' });
export const nodeNotFound = (ident: string) =>
  new AppError('NOT_FOUND', `Node ${ident} could not be found.`, { type: 'NodeNotFound' });
export const portNotFound = (ident: string) =>
  new AppError('NOT_FOUND', `Port ${ident} could not be found.`, { type: 'PortNotFound' });
export const notFound = (what: string, ident: string, type: string) =>
  new AppError('NOT_FOUND', `${what} ${ident} could not be found.`, { type });
export const nodeLocked = (node: string, host: string) =>
  new AppError(
    'CONFLICT',
    `Node ${node} is locked by host ${host}, please retry after the current operation is completed.`,
    {
      type: 'NodeLocked',
    },
  );
export const duplicate = (msg: string, type: string) => new AppError('CONFLICT', msg, { type });
export const invalidState = (msg: string) => new AppError('CONFLICT', msg, { type: 'InvalidState' });
export const badTransition = (action: string, node: string, state: string) =>
  new AppError(
    'BAD_REQUEST',
    `The requested action "${action}" can not be performed on node "${node}" while it is in state "${state}".`,
    { type: 'InvalidStateRequested' },
  );
export const nodeProtected = (node: string) =>
  new AppError('FORBIDDEN', `Node ${node} is protected and cannot be undeployed, rebuilt or deleted.`, {
    type: 'NodeProtected',
  });
export const inMaintenance = (node: string) =>
  new AppError('BAD_REQUEST', `The node ${node} is in maintenance mode.`, { type: 'NodeInMaintenance' });

/** Model input errors become 400 (or 406 for a field the microversion does not know). */
export function fromInput(e: unknown): unknown {
  if (e instanceof PatchError) return invalid(e.message, 'PatchError');
  if (e instanceof NodeInputError)
    return e.status === 406
      ? notAcceptable(e.message)
      : e.status === 409
        ? invalidState(e.message)
        : invalid(e.message);
  return e;
}
