// Explicit "absent" implementations (Ironic's noop.py and its FailMixin): a node always has one per
// interface, never undefined. The no-* ones are unsupported, and their operations fail with a clear error.
import type { DriverInterface, InspectInterface, RescueInterface } from './interfaces.ts';

export class UnsupportedError extends Error {}

const unsupported = (name: string, iface: string): DriverInterface => ({
  name,
  supported: false,
  properties: {},
  validate: () => `the ${iface} interface ${name} does not support this (disabled or not implemented)`,
});

/** noop network/storage: supported, and there is nothing to validate. */
export const noopInterface = (): DriverInterface => ({
  name: 'noop',
  supported: true,
  properties: {},
  validate: () => undefined,
});

export const noInterface = (iface: string): DriverInterface => unsupported(`no-${iface}`, iface);

export const noInspect: InspectInterface = {
  ...unsupported('no-inspect', 'inspect'),
  async inspect() {
    throw new UnsupportedError('Inspection is not supported by the no-inspect interface.');
  },
};

export const noRescue: RescueInterface = {
  ...unsupported('no-rescue', 'rescue'),
  async rescue() {
    throw new UnsupportedError('Rescue is not supported by the no-rescue interface.');
  },
  async unrescue() {
    throw new UnsupportedError('Rescue is not supported by the no-rescue interface.');
  },
};
