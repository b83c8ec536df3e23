// A resource type as a plugin: its property and attribute schemas, and create/update/delete/check over
// some client. Attributes are computed when the resource settles and kept on its row, so resolving
// get_attr stays a pure lookup.

import type { ComputeClient } from '../../../compute/client.ts';
import type { IdentityClient } from '../../../identity/client.ts';
import type { ImageServiceClient } from '../../../image/client.ts';
import type { NetworkClient } from '../../../network/client.ts';
import type { Ctx } from '../../../platform/context.ts';
import type { PropsSchema } from '../../model/properties.ts';
import type { Json, JsonMap } from '../../model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from '../../store/stacks.ts';

export interface Outcome {
  physicalId: string | null;
  attributes: JsonMap;
  /** Private data kept with the resource (never shown). */
  data?: JsonMap;
  nestedId?: string | null;
}

/** Child stacks for Stack, ResourceGroup, ResourceChain and template resources, run by the same engine. */
export interface NestedOps {
  create(template: JsonMap, params: JsonMap, files?: Record<string, string>): Promise<NestedResult>;
  update(
    stackId: string,
    template: JsonMap,
    params: JsonMap,
    files?: Record<string, string>,
  ): Promise<NestedResult>;
  delete(stackId: string): Promise<void>;
}

export interface NestedResult {
  stackId: string;
  outputs: JsonMap;
  /** Each child resource's reference id and attributes, by name. */
  resources: Record<string, { ref: Json; attributes: JsonMap }>;
}

/** The other services' clients the resource types use; absent when that service is not served. */
export interface HeatClients {
  identity?: IdentityClient;
  image?: ImageServiceClient;
  network?: NetworkClient;
  compute?: ComputeClient;
}

export interface ResourceContext {
  ctx: Ctx;
  signal: AbortSignal;
  stack: StackRow;
  name: string;
  store: HeatStore;
  nested: NestedOps;
  clients: HeatClients;
  /** The stack's files (get_file contents and nested templates). */
  files: Record<string, string>;
  /** The template version's date, for templates this plugin generates. */
  templateVersion: string;
  /** The user's token, for calls to other services' clients. */
  token?: string;
  /** This engine's region (OS::Heat::Stack refuses a context naming another). */
  region?: string;
  /** The CFN API's base URL (http://host:8000), for pre-signed URLs and server metadata; throws a clear
   * error when the CFN API is not served. */
  cfnUrl(): string;
  /** Keystone's URL as machines reach it (POLL_SERVER_HEAT's auth_url); throws when unknown. */
  authUrl(): string;
  /** The resource's resolved template metadata, when creating it (HEAT_CFNTOOLS user data carries it). */
  metadata?: JsonMap;
  /** For types that take signals: how many it had before this action marked it IN_PROGRESS. The API
   * takes signals from then on, so later ones belong to this action even if they beat its delivery. */
  signalsBefore?: number;
}

export interface ResourcePlugin {
  type: string;
  description: string;
  /** For template resources: the template's URL in `files` (its text change means an update). */
  templateUrl?: string;
  /** null: any properties are accepted unchecked (OS::Heat::None). */
  properties: PropsSchema | null;
  attributes: Record<string, string>;
  /** Any attribute name resolves (nested stacks' outputs and members, a deployment's config outputs;
   * None stands in for anything). */
  anyAttribute?: boolean;
  /** Attributes get_attr resolves but views show masked. */
  secretAttributes?: string[];
  /** Takes signals through POST .../resources/{name}/signal (and the CFN signal URLs). */
  acceptsSignals?: boolean;
  /** A signal body → the record kept in heat_signals; throws on a bad one (400). Default: Heat's
   * {status, reason, data, id} normalisation. */
  normaliseSignal?(body: Json, index: number): JsonMap;
  /** The verb of this type's pre-signed CFN URL: POST /v1/signal (default) or PUT /v1/waitcondition. */
  cfnVerb?: 'POST' | 'PUT';
  create(rc: ResourceContext, props: JsonMap): Promise<Outcome>;
  /** In-place update of properties marked updateAllowed; without it every change replaces. */
  update?(rc: ResourceContext, props: JsonMap, prev: ResourceRow): Promise<Outcome>;
  /** Whether a change that update could apply in place must replace the resource anyway. */
  needsReplace?(props: JsonMap, prev: ResourceRow): boolean;
  /** Replaced by every stack update, changed or not (Heat's UpdateWaitConditionHandle). */
  replacedOnEveryUpdate?: boolean;
  delete(rc: ResourceContext, row: ResourceRow): Promise<void>;
  check?(rc: ResourceContext, row: ResourceRow): Promise<void>;
  /** get_attr; by default a lookup in the row's attributes. */
  attribute?(row: ResourceRow, name: string): Json;
  /** get_resource / Ref; by default the physical id. */
  refId?(row: ResourceRow): Json;
}

export function refOf(plugin: ResourcePlugin | undefined, row: ResourceRow): Json {
  return plugin?.refId ? plugin.refId(row) : row.physicalId;
}

export function attributeOf(plugin: ResourcePlugin | undefined, row: ResourceRow, name: string): Json {
  if (plugin?.attribute) return plugin.attribute(row, name);
  if (name === 'show') return row.attributes;
  return row.attributes[name] ?? null;
}
