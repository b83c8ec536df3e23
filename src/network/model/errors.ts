// Neutron's error types (neutron-lib exceptions) on the platform's catalogue: the type name the clients
// print, its HTTP status and Neutron's message wording.
import { AppError } from '../../platform/errors/catalogue.ts';

const err = (code: 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', type: string, message: string) =>
  new AppError(code, message, { type });

export const invalidInput = (detail: string) =>
  err('BAD_REQUEST', 'InvalidInput', `Invalid input for operation: ${detail}`);
export const badRequest = (resource: string, msg: string) =>
  err('BAD_REQUEST', 'BadRequest', `Bad ${resource} request: ${msg}.`);
export const notFoundError = (kind: string, id: string) =>
  err('NOT_FOUND', `${kind}NotFound`, `${kindText(kind)} ${id} could not be found.`);
export const networkInUse = (id: string) =>
  err(
    'CONFLICT',
    'NetworkInUse',
    `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
  );
export const subnetInUse = (id: string) =>
  err(
    'CONFLICT',
    'SubnetInUse',
    `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
  );
export const ipAlreadyAllocated = (ip: string, subnetId: string) =>
  err('CONFLICT', 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const macInUse = (mac: string, networkId: string) =>
  err(
    'CONFLICT',
    'MacAddressInUse',
    `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`,
  );
export const invalidIpForSubnet = (ip: string) =>
  err('BAD_REQUEST', 'InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const invalidIpForNetwork = (ip: string) =>
  err(
    'BAD_REQUEST',
    'InvalidIpForNetwork',
    `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`,
  );
export const ipGenerationFailure = (networkId: string) =>
  err('CONFLICT', 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
export const overQuota = (resource: string) =>
  err('CONFLICT', 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);
export const inUse = (type: string, message: string) => err('CONFLICT', type, message);
export const conflictError = (type: string, message: string) => err('CONFLICT', type, message);
export const policyNotAuthorized = (action: string) =>
  err('FORBIDDEN', 'PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);

function kindText(kind: string): string {
  // "SecurityGroupRule" -> "Security group rule", as Neutron words its not-found messages.
  const words = kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
export const badInput = (type: string, message: string) => err('BAD_REQUEST', type, message);
