// What a server resource's metadata says to the machine (tripleo-tooling §6.2 (b), openstack-api §6.5):
// the template's metadata, the `os-collect-config` block the server resource wrote (cfn endpoint, stack,
// path and the access key pair), and `deployments`: every software deployment of that server as the
// derived config's item, sorted by config name. Read at request time, so a deployment appears as soon as
// it is stored. The Heat API shows it with the secret key and the stack user's password masked, except to
// that stack user (the machine polling with POLL_SERVER_HEAT); the CFN API, where the key itself signed the
// request, shows it whole.
import { isMap, type Json, type JsonMap } from '../model/template-format.ts';
import type { HeatStore, ResourceRow } from '../store/stacks.ts';

/** Groups whose config os-collect-config uses as a JSON document rather than text. */
const DOCUMENT_GROUPS = new Set(['os-apply-config', 'Heat::Ungrouped']);

export async function deploymentItems(store: HeatStore, serverId: string): Promise<JsonMap[]> {
  const items: JsonMap[] = [];
  for (const d of await store.deployments.list({ serverId })) {
    const c = await store.config(d.configId);
    if (!c) continue;
    let config: Json = c.config;
    if (DOCUMENT_GROUPS.has(c.group)) {
      try {
        const parsed = JSON.parse(c.config) as Json;
        if (isMap(parsed)) config = parsed;
      } catch {}
    }
    items.push({
      id: c.id,
      name: c.name,
      group: c.group,
      creation_time: new Date(c.createdAt).toISOString().replace(/\.\d{3}Z$/, ''),
      config,
      inputs: c.inputs,
      outputs: c.outputs,
      options: c.options,
    });
  }
  return items.sort((a, b) =>
    String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0,
  );
}

/** The document with every `secret_access_key` value masked (the Heat API's view). */
export function maskKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(maskKeys);
  if (!isMap(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      k === 'secret_access_key' && typeof x === 'string' ? '******' : maskKeys(x),
    ]),
  );
}

export async function deliveredMetadata(
  store: HeatStore,
  row: ResourceRow,
  opts: { maskSecrets: boolean },
): Promise<JsonMap> {
  const occ = row.data.occ;
  const doc =
    !isMap(occ) || row.physicalId === null
      ? row.metadata
      : {
          ...row.metadata,
          'os-collect-config': occ,
          deployments: await deploymentItems(store, row.physicalId),
        };
  if (!opts.maskSecrets) return doc;
  const masked = maskKeys(doc) as JsonMap;
  // POLL_SERVER_HEAT: the stack user's password, which only that user (the machine) sees.
  const block = masked['os-collect-config'];
  if (isMap(block) && isMap(block.heat))
    masked['os-collect-config'] = { ...block, heat: { ...block.heat, password: '******' } };
  return masked;
}
