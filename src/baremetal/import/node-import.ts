// `ooo node import`'s logic over the bare metal HTTP API: every entry is first matched to an existing node
// (by any of its MACs, else by name) so a second import changes nothing; then the new ones are created
// with their ports (a node whose port fails is deleted again: nothing half-done); with `provide`, every
// node still in enroll or manageable is moved to available, waiting for each and printing each change.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../platform/context.ts';
import type { Dict } from '../model/node.ts';
import type { NodeSpec } from '../model/nodes-file.ts';
import { BaremetalApiError, type BaremetalHttp } from './baremetal-http.ts';

export interface ImportOptions {
  provide: boolean;
  /** Seconds each manage or provide may take (cleaning included). */
  waitTimeoutS: number;
  /** One line of progress (no newline). */
  say(line: string): void;
  pollMs?: number;
  /** How many nodes are moved at once with provide. */
  concurrency?: number;
}

export interface ImportSummary {
  created: string[];
  unchanged: string[];
  portsAdded: number;
  provided: string[];
  failed: { label: string; error: string }[];
}

interface Resolved {
  spec: NodeSpec;
  existing: string | undefined;
  how: string;
  missingMacs: string[];
}

export class ImportError extends Error {}

/** Matches every entry before anything is written; conflicts are errors. */
async function resolve(ctx: Ctx, api: BaremetalHttp, spec: NodeSpec): Promise<Resolved> {
  const owners = new Map<string, string>();
  const missingMacs: string[] = [];
  for (const mac of spec.macs) {
    const ports = await api.portsByMac(ctx, mac);
    if (ports[0]) owners.set(mac, ports[0].node_uuid);
    else missingMacs.push(mac);
  }
  const nodes = new Set(owners.values());
  if (nodes.size > 1)
    throw new ImportError(`${spec.label}: its MACs belong to different nodes (${[...nodes].join(', ')})`);
  const name = typeof spec.body.name === 'string' ? spec.body.name : undefined;
  const byName = name ? await api.node(ctx, name) : undefined;
  const byMac = [...nodes][0];
  if (byMac && byName && byName.uuid !== byMac)
    throw new ImportError(`${spec.label}: the name belongs to node ${byName.uuid}, the MACs to ${byMac}`);
  if (byMac) return { spec, existing: byMac, how: `by MAC ${[...owners.keys()][0]}`, missingMacs };
  if (byName) return { spec, existing: String(byName.uuid), how: 'by name', missingMacs };
  return { spec, existing: undefined, how: '', missingMacs };
}

async function addPort(ctx: Ctx, api: BaremetalHttp, node: string, mac: string) {
  await api.call(ctx, 'POST', '/v1/ports', { address: mac, node_uuid: node });
}

async function create(ctx: Ctx, api: BaremetalHttp, spec: NodeSpec): Promise<string> {
  const node = await api.call<Dict>(ctx, 'POST', '/v1/nodes', spec.body);
  const uuid = String(node.uuid);
  try {
    for (const mac of spec.macs) await addPort(ctx, api, uuid, mac);
  } catch (e) {
    await api.call(ctx, 'DELETE', `/v1/nodes/${uuid}`).catch(() => undefined);
    throw e;
  }
  return uuid;
}

export async function importNodes(
  ctx: Ctx,
  api: BaremetalHttp,
  specs: NodeSpec[],
  o: ImportOptions,
): Promise<ImportSummary> {
  const resolved: Resolved[] = [];
  for (const s of specs) resolved.push(await resolve(ctx, api, s));
  const sum: ImportSummary = { created: [], unchanged: [], portsAdded: 0, provided: [], failed: [] };
  const uuids = new Map<string, string>();
  for (const r of resolved) {
    const label = r.spec.label;
    if (r.existing) {
      uuids.set(label, r.existing);
      for (const mac of r.missingMacs) {
        await addPort(ctx, api, r.existing, mac);
        sum.portsAdded++;
      }
      const added = r.missingMacs.length > 0 ? `; added port(s) ${r.missingMacs.join(', ')}` : ', unchanged';
      o.say(`${label}: already enrolled as ${r.existing} (${r.how})${added}`);
      if (r.missingMacs.length === 0) sum.unchanged.push(label);
      continue;
    }
    try {
      const uuid = await create(ctx, api, r.spec);
      uuids.set(label, uuid);
      sum.created.push(label);
      o.say(`${label}: created ${uuid} (${r.spec.body.driver}, ${r.spec.macs.length} port(s))`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      sum.failed.push({ label, error });
      o.say(`${label}: FAILED: ${error}`);
    }
  }
  if (o.provide) {
    const queue = [...uuids];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [label, uuid] = next;
        try {
          if (await provideOne(ctx, api, label, uuid, o)) sum.provided.push(label);
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          sum.failed.push({ label, error });
          o.say(`${label}: FAILED: ${error}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  }
  return sum;
}

/** enroll → manageable → available; returns whether it moved the node. */
async function provideOne(ctx: Ctx, api: BaremetalHttp, label: string, uuid: string, o: ImportOptions) {
  let node = (await api.node(ctx, uuid)) as Dict;
  let moved = false;
  if (node.provision_state === 'enroll') {
    node = await move(ctx, api, label, node, 'manage', 'manageable', o);
    moved = true;
  }
  if (node.provision_state === 'manageable') {
    node = await move(ctx, api, label, node, 'provide', 'available', o);
    moved = true;
  }
  if (!moved) o.say(`${label}: ${node.provision_state}, left as it is`);
  return moved;
}

async function move(
  ctx: Ctx,
  api: BaremetalHttp,
  label: string,
  node: Dict,
  verb: string,
  want: string,
  o: ImportOptions,
): Promise<Dict> {
  const uuid = String(node.uuid);
  let last = String(node.provision_state);
  try {
    await api.call(ctx, 'PUT', `/v1/nodes/${uuid}/states/provision`, { target: verb });
  } catch (e) {
    if (e instanceof BaremetalApiError) throw new ImportError(`${verb} refused: ${e.message}`);
    throw e;
  }
  const deadline = Date.now() + o.waitTimeoutS * 1000;
  for (;;) {
    const n = (await api.node(ctx, uuid)) as Dict;
    const state = String(n.provision_state);
    if (state !== last) {
      o.say(`${label}: ${last} → ${state}`);
      last = state;
    }
    if (state === want && !n.target_provision_state) return n;
    if (!n.target_provision_state && state !== want)
      throw new ImportError(`${verb} ended in ${state}: ${n.last_error ?? 'no last_error'}`);
    if (Date.now() > deadline)
      throw new ImportError(`${verb} still ${state} after ${o.waitTimeoutS} s (--wait-timeout)`);
    await sleep(o.pollMs ?? 1000, undefined, { signal: ctx.signal });
  }
}
