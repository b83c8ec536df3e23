// A server as this service keeps it. Pure types and the small pure facts derived from one.
import { createHash } from 'node:crypto';
import type { NetworkRequest } from './server-input.ts';
import type { TaskState, VmState } from './server-state.ts';

export interface FlavorSnapshot {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extra_specs: Record<string, string>;
}

export interface ServerPort {
  id: string;
  network_id: string;
  network_name: string;
  mac: string;
  ips: { addr: string; version: 4 | 6 }[];
  /** The bare metal service's own port for the node's MAC, taken over for the server: on delete it goes
   * back to that owner (the node keeps its address), instead of being deleted. */
  adopted_from?: { device_id: string; device_owner: string };
}

export interface Fault {
  code: number;
  message: string;
  created: string;
  details?: string;
}

export interface Server {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  vm_state: VmState;
  task_state: TaskState;
  power_state: number;
  node_uuid: string | null;
  /** The bare metal allocation holding node_uuid (this service names it after the server). */
  allocation_id: string | null;
  flavor: FlavorSnapshot;
  image_ref: string;
  key_name: string | null;
  key: { name: string; type: string; data: string } | null;
  /** base64, as given. */
  user_data: string | null;
  config_drive: boolean;
  metadata: Record<string, string>;
  tags: string[];
  description: string | null;
  availability_zone: string;
  /** Networks resolved at create; ports made by this service on them. */
  requested_networks: NetworkRequest[];
  ports: ServerPort[];
  fault: Fault | null;
  /** Nodes tried so far for the current build, and those whose deploy failed. */
  attempts: number;
  excluded_nodes: string[];
  /** The deploy (or rebuild) of the current attempt was sent to the bare metal service. */
  deploy_sent: boolean;
  /** The undeploy was sent while deleting. */
  undeploy_sent: boolean;
  preserve_ephemeral: boolean;
  /** The request id of the instance action in progress (its events are recorded under it). */
  request_id: string | null;
  group_id: string | null;
  launch_index: number;
  reservation_id: string;
  internal_id: number;
  access_ipv4: string;
  access_ipv6: string;
  version: number;
  created_at: number;
  updated_at: number;
  launched_at: number | null;
}

/** Nova's hostId: sha224 of the project id and the compute host, so tenants can tell co-located servers. */
export function hostIdOf(projectId: string, host: string | null): string {
  if (!host) return '';
  return createHash('sha224')
    .update(projectId + host)
    .digest('hex');
}

/** Nova's hostname from a display name: lower case, [a-z0-9-], at most 63 characters. */
export function hostnameOf(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return h === '' ? 'server' : h;
}
