// Runs the deploy agent in-process for a `sim` node: the same lookup/heartbeat/command protocol over HTTP on
// loopback, against a sparse file. The conductor's sim power interface starts one per power-on of a node
// booted to the ramdisk and stops it on power-off.
import { type AgentOptions, type RunningAgent, startAgent } from './agent.ts';
import type { AgentCtx } from './ctx.ts';
import { type SimSpec, simMachine } from './sim-machine.ts';

export type { RunningAgent } from './agent.ts';
export type { SimSpec } from './sim-machine.ts';

export interface SimAgentOptions extends SimSpec {
  apiUrl: string;
  agentToken?: string;
  inspectionCallbackUrl?: string;
  heartbeatJitter?: () => number;
  onImageWritten?: AgentOptions['onImageWritten'];
  downloadRetry?: AgentOptions['downloadRetry'];
}

export function startSimAgent(ctx: AgentCtx, o: SimAgentOptions): Promise<RunningAgent> {
  return startAgent(ctx, {
    apiUrl: o.apiUrl,
    machine: simMachine(o),
    listenHost: '127.0.0.1',
    listenPort: 0,
    advertiseHost: '127.0.0.1',
    agentToken: o.agentToken,
    inspectionCallbackUrl: o.inspectionCallbackUrl,
    bootMac: o.macs[0],
    lookupTimeoutS: 600,
    lookupIntervalS: 1,
    ...(o.heartbeatJitter ? { random: o.heartbeatJitter } : {}),
    ...(o.onImageWritten ? { onImageWritten: o.onImageWritten } : {}),
    ...(o.downloadRetry ? { downloadRetry: o.downloadRetry } : {}),
  });
}
