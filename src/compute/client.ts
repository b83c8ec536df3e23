// The compute service's client for the orchestration engine (OS::Nova::Server): servers created, read,
// rebuilt, renamed and deleted, and flavors looked up, exactly as Nova's v2.1 REST API defines them
// (api-ref servers.inc, flavors.inc). Calls act for a user: each takes that user's project-scoped token,
// so the server belongs to the stack's project. Results have Nova's JSON shapes; errors are AppErrors
// with Nova's status and message. http-client.ts makes these calls over HTTP.
import type { Ctx } from '../platform/context.ts';

/** One entry of `networks` in a server create request. */
export type NovaNetworkRequest = { uuid: string; fixed_ip?: string } | { port: string };

export interface ServerCreateRequest {
  name: string;
  imageRef: string;
  flavorRef: string;
  key_name?: string;
  /** Base64 of the user data. */
  user_data?: string;
  metadata?: Record<string, string>;
  networks?: NovaNetworkRequest[] | 'auto' | 'none';
  config_drive?: boolean;
  availability_zone?: string;
  admin_pass?: string;
}

export interface ServerRebuildRequest {
  imageRef: string;
  name?: string;
  metadata?: Record<string, string>;
  /** Keep the ephemeral (data) partition: Nova passes it on to the bare metal driver. */
  preserve_ephemeral?: boolean;
}

export interface NovaAddress {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: string;
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

/** The fields of GET /servers/{id} this client's callers read (Nova sends more). */
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  addresses: Record<string, NovaAddress[]>;
  accessIPv4: string;
  accessIPv6: string;
  metadata: Record<string, string>;
  image: { id: string } | '';
  flavor: { id?: string; original_name?: string };
  fault?: { code: number; message: string };
  [k: string]: unknown;
}

export interface KeypairCreateRequest {
  name: string;
  /** Imported; absent: Nova generates the pair and answers the private key once. */
  public_key?: string;
  /** ssh or x509 (microversion 2.2). */
  type?: string;
}

export interface NovaKeypair {
  name: string;
  public_key: string;
  fingerprint: string;
  private_key?: string;
}

export interface FlavorCreateRequest {
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  id?: string;
  swap?: number;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  rxtx_factor?: number;
  'os-flavor-access:is_public'?: boolean;
}

/** Whose call it is: a project-scoped token of the user (Keystone's X-Auth-Token). */
export interface ComputeAuth {
  token: string;
}

export interface ComputeClient {
  /** POST /servers (202): the new server's id. */
  createServer(ctx: Ctx, auth: ComputeAuth, req: ServerCreateRequest): Promise<{ id: string }>;
  /** GET /servers/{id}; a missing server is a NOT_FOUND AppError. */
  getServer(ctx: Ctx, auth: ComputeAuth, id: string): Promise<NovaServer>;
  /** PUT /servers/{id} {"server": {"name"}}. */
  renameServer(ctx: Ctx, auth: ComputeAuth, id: string, name: string): Promise<void>;
  /** PUT /servers/{id}/metadata: replaces all metadata items. */
  setMetadata(ctx: Ctx, auth: ComputeAuth, id: string, metadata: Record<string, string>): Promise<void>;
  /** POST /servers/{id}/action {"rebuild": {...}} (202). */
  rebuildServer(ctx: Ctx, auth: ComputeAuth, id: string, req: ServerRebuildRequest): Promise<void>;
  /** DELETE /servers/{id} (204); an already missing server is not an error. */
  deleteServer(ctx: Ctx, auth: ComputeAuth, id: string): Promise<void>;
  /** POST /os-keypairs (microversion 2.2 for `type`): the pair, with the private key when generated. */
  createKeypair(ctx: Ctx, auth: ComputeAuth, req: KeypairCreateRequest): Promise<NovaKeypair>;
  /** DELETE /os-keypairs/{name}; an already missing one is not an error. */
  deleteKeypair(ctx: Ctx, auth: ComputeAuth, name: string): Promise<void>;
  /** POST /flavors (admin): the new flavor's id. */
  createFlavor(ctx: Ctx, auth: ComputeAuth, req: FlavorCreateRequest): Promise<{ id: string }>;
  /** Makes the flavor's extra specs exactly `specs` (POST os-extra_specs, DELETE the keys left over). */
  setFlavorExtraSpecs(ctx: Ctx, auth: ComputeAuth, id: string, specs: Record<string, string>): Promise<void>;
  /** DELETE /flavors/{id}; an already missing one is not an error. */
  deleteFlavor(ctx: Ctx, auth: ComputeAuth, id: string): Promise<void>;
  /** GET /flavors/{id}, else the flavor of that name in GET /flavors: its id; NOT_FOUND when none. */
  findFlavor(ctx: Ctx, auth: ComputeAuth, nameOrId: string): Promise<string>;
}

declare module '../platform/service.ts' {
  interface ServiceClients {
    compute: ComputeClient;
  }
}
