// The bare metal service's typed client, for the compute service (and any other that deploys machines):
// allocations (the atomic claim of a node), nodes (read, instance fields patched), provision and power
// actions, a node's ports. Results have Ironic's JSON shapes and errors its faults either way. The same
// HTTP implementation serves callers in this process and elsewhere: the node lock, the state machine and
// the policy stay in one place, the API (http-client.ts).
import type { Ctx } from '../platform/context.ts';
import type { TokenSource } from '../platform/service-auth.ts';

/** A node as GET /v1/nodes/{id} returns it (the fields callers read are typed; the rest pass through). */
export interface NodeDoc {
  uuid: string;
  name: string | null;
  resource_class: string | null;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  maintenance: boolean;
  instance_uuid: string | null;
  allocation_uuid?: string | null;
  last_error: string | null;
  properties: Record<string, unknown>;
  instance_info: Record<string, unknown>;
  traits?: string[];
  [field: string]: unknown;
}

export interface AllocationDoc {
  uuid: string;
  name: string | null;
  node_uuid: string | null;
  state: 'allocating' | 'active' | 'error';
  last_error: string | null;
  resource_class: string;
  traits: string[];
  candidate_nodes: string[];
  [field: string]: unknown;
}

export interface AllocationRequest {
  uuid?: string;
  name?: string;
  resource_class: string;
  traits?: string[];
  candidate_nodes?: string[];
  extra?: Record<string, string>;
}

export interface NodePortDoc {
  uuid: string;
  address: string;
  [field: string]: unknown;
}

export type PatchOp =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Ironic's provision targets a compute service sends: deploy, rebuild and undeploy. */
export type ProvisionTarget = 'active' | 'rebuild' | 'deleted';
export type PowerTarget = 'power on' | 'power off' | 'rebooting' | 'soft rebooting';

export interface BaremetalClient {
  /** Claims a node (201 in state `active`), or records why none matched (state `error`, last_error). */
  createAllocation(ctx: Ctx, req: AllocationRequest): Promise<AllocationDoc>;
  getAllocation(ctx: Ctx, id: string): Promise<AllocationDoc | undefined>;
  /** Frees the node; false when the allocation was already gone. */
  deleteAllocation(ctx: Ctx, id: string): Promise<boolean>;
  getNode(ctx: Ctx, id: string): Promise<NodeDoc | undefined>;
  /** Every node matching the filter, following `next` links. */
  listNodes(
    ctx: Ctx,
    filter?: {
      provision_state?: string;
      maintenance?: boolean;
      associated?: boolean;
      instance_uuid?: string;
    },
  ): Promise<NodeDoc[]>;
  patchNode(ctx: Ctx, id: string, ops: PatchOp[]): Promise<NodeDoc>;
  /** Deploy (with a gzip+base64 config drive), rebuild, or undeploy; the work continues in the background. */
  setProvisionState(
    ctx: Ctx,
    id: string,
    target: ProvisionTarget,
    opts?: { configdrive?: string },
  ): Promise<void>;
  setPowerState(ctx: Ctx, id: string, target: PowerTarget): Promise<void>;
  nodePorts(ctx: Ctx, id: string): Promise<NodePortDoc[]>;
}

/** What the bare metal service offers: a client acting with the caller's own token source (its service user). */
export interface BaremetalServiceClient {
  connect(auth: TokenSource): BaremetalClient;
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    baremetal: BaremetalServiceClient;
  }
}

/** device_owner of the ports the bare metal service makes on the provisioning network for a node's MACs
 * (device_id the node): kept while the node is enrolled, so a server on that network takes them over. */
export const BAREMETAL_PORT_OWNER = 'baremetal:none';
