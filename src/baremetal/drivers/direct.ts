// The `direct` deploy interface and the `agent` inspect interface: each boots the node into the deploy
// ramdisk and waits; the agent's heartbeats then drive the work (worker/agent-steps.ts): clean steps,
// write_image, the inventory.
import type { DeployInterface, InspectInterface } from './interfaces.ts';

export const directDeploy: DeployInterface = {
  name: 'direct',
  supported: true,
  properties: {},
  validate(node) {
    const src = node.instance_info.image_source;
    if (src === undefined || src === null || src === '')
      return 'instance_info.image_source is missing (an image service image ID)';
    if (typeof src !== 'string' || src.includes('://'))
      return `instance_info.image_source ${JSON.stringify(src)}: only image service image IDs are supported`;
    return undefined;
  },
  deploy: async () => ({ kind: 'wait', bootRamdisk: true }),
  clean: async () => ({ kind: 'wait', bootRamdisk: true }),
  // Power off and the boot clean-up follow in the conductor; the agent holds nothing of the instance.
  tearDown: async () => undefined,
  takeOver: async () => undefined,
};

export const agentInspect: InspectInterface = {
  name: 'agent',
  supported: true,
  properties: {},
  validate: () => undefined,
  inspect: async () => ({ kind: 'wait', bootRamdisk: true }),
};
